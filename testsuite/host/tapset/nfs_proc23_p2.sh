# nfs.proc2.* and nfs.proc3.* (which the test VM cannot mount: no
# mountd) resolve at -p2 with all their variables: the functions each
# alias lands on
"$STAP" -p2 -r "$KVER" -w - <<'EOF' |
probe nfs.proc2.create { printf("nfs.proc2.create client=%d server_ip=%s prot=%d fh=%d filelen=%d filename=%s mode=%d version=%d name=%s argstr=%s\n", client, server_ip, prot, fh, filelen, filename, mode, version, name, argstr) }
probe nfs.proc2.create.return { printf("nfs.proc2.create.return name=%s version=%d retstr=%s\n", name, version, retstr) }
probe nfs.proc2.lookup { printf("nfs.proc2.lookup client=%d server_ip=%s prot=%d name_len=%d filename=%s version=%d bitmask0=%d bitmask1=%d name=%s argstr=%s\n", client, server_ip, prot, name_len, filename, version, bitmask0, bitmask1, name, argstr) }
probe nfs.proc2.lookup.return { printf("nfs.proc2.lookup.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc2.read { printf("nfs.proc2.read server_ip=%s prot=%d flags=%d count=%d offset=%d version=%d name=%s argstr=%s size=%d units=%s\n", server_ip, prot, flags, count, offset, version, name, argstr, size, units) }
probe nfs.proc2.read.return { printf("nfs.proc2.read.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc2.read_done { printf("nfs.proc2.read_done server_ip=%s prot=%d count=%d status=%d timestamp=%d version=%d name=%s argstr=%s\n", server_ip, prot, count, status, timestamp, version, name, argstr) }
probe nfs.proc2.read_done.return { printf("nfs.proc2.read_done.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc2.read_setup { printf("nfs.proc2.read_setup inode=%d client=%d server_ip=%s prot=%d count=%d offset=%d version=%d name=%s argstr=%s size=%d units=%s\n", inode, client, server_ip, prot, count, offset, version, name, argstr, size, units) }
probe nfs.proc2.read_setup.return { printf("nfs.proc2.read_setup.return version=%d name=%s retvalue=%d\n", version, name, retvalue) }
probe nfs.proc2.remove { printf("nfs.proc2.remove client=%d server_ip=%s prot=%d fh=%d filelen=%d filename=%s version=%d name=%s argstr=%s\n", client, server_ip, prot, fh, filelen, filename, version, name, argstr) }
probe nfs.proc2.remove.return { printf("nfs.proc2.remove.return name=%s version=%d retstr=%s\n", name, version, retstr) }
probe nfs.proc2.rename { printf("nfs.proc2.rename client=%d server_ip=%s prot=%d old_fh=%d old_filelen=%d old_name=%s new_fh=%d new_filelen=%d new_name=%s version=%d name=%s argstr=%s\n", client, server_ip, prot, old_fh, old_filelen, old_name, new_fh, new_filelen, new_name, version, name, argstr) }
probe nfs.proc2.rename.return { printf("nfs.proc2.rename.return name=%s version=%d retstr=%s\n", name, version, retstr) }
probe nfs.proc2.rename_done { printf("nfs.proc2.rename_done client=%d server_ip=%s prot=%d version=%d status=%d timestamp=%d old_fh=%d new_fh=%d name=%s argstr=%s\n", client, server_ip, prot, version, status, timestamp, old_fh, new_fh, name, argstr) }
probe nfs.proc2.rename_setup { printf("nfs.proc2.rename_setup client=%d server_ip=%s prot=%d version=%d fh=%d name=%s argstr=%s\n", client, server_ip, prot, version, fh, name, argstr) }
probe nfs.proc2.rename_setup.return { printf("nfs.proc2.rename_setup.return version=%d name=%s retvalue=%d\n", version, name, retvalue) }
probe nfs.proc2.write { printf("nfs.proc2.write server_ip=%s prot=%d flags=%d count=%d offset=%d version=%d bitmask0=%d bitmask1=%d name=%s argstr=%s size=%d units=%s\n", server_ip, prot, flags, count, offset, version, bitmask0, bitmask1, name, argstr, size, units) }
probe nfs.proc2.write.return { printf("nfs.proc2.write.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc2.write_done { printf("nfs.proc2.write_done server_ip=%s prot=%d count=%d valid=%d status=%d timestamp=%d version=%d name=%s argstr=%s\n", server_ip, prot, count, valid, status, timestamp, version, name, argstr) }
probe nfs.proc2.write_done.return { printf("nfs.proc2.write_done.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc2.write_setup { printf("nfs.proc2.write_setup inode=%d client=%d server_ip=%s prot=%d count=%d offset=%d version=%d bitmask0=%d bitmask1=%d name=%s size=%d units=%s how=%d argstr=%s\n", inode, client, server_ip, prot, count, offset, version, bitmask0, bitmask1, name, size, units, how, argstr) }
probe nfs.proc2.write_setup.return { printf("nfs.proc2.write_setup.return version=%d name=%s retvalue=%d\n", version, name, retvalue) }
probe nfs.proc3.commit_done { printf("nfs.proc3.commit_done server_ip=%s prot=%d count=%d timestamp=%d version=%d status=%d name=%s argstr=%s\n", server_ip, prot, count, timestamp, version, status, name, argstr) }
probe nfs.proc3.commit_done.return { printf("nfs.proc3.commit_done.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc3.commit_setup { printf("nfs.proc3.commit_setup inode=%d client=%d server_ip=%s prot=%d version=%d count=%d offset=%d bitmask0=%d bitmask1=%d name=%s argstr=%s size=%d units=%s\n", inode, client, server_ip, prot, version, count, offset, bitmask0, bitmask1, name, argstr, size, units) }
probe nfs.proc3.commit_setup.return { printf("nfs.proc3.commit_setup.return version=%d name=%s retvalue=%d\n", version, name, retvalue) }
probe nfs.proc3.create { printf("nfs.proc3.create client=%d server_ip=%s prot=%d fh=%d filelen=%d filename=%s mode=%d version=%d name=%s argstr=%s flag=%d\n", client, server_ip, prot, fh, filelen, filename, mode, version, name, argstr, flag) }
probe nfs.proc3.create.return { printf("nfs.proc3.create.return name=%s version=%d retstr=%s\n", name, version, retstr) }
probe nfs.proc3.lookup { printf("nfs.proc3.lookup client=%d server_ip=%s prot=%d name_len=%d filename=%s version=%d bitmask0=%d bitmask1=%d name=%s argstr=%s\n", client, server_ip, prot, name_len, filename, version, bitmask0, bitmask1, name, argstr) }
probe nfs.proc3.lookup.return { printf("nfs.proc3.lookup.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc3.read_done { printf("nfs.proc3.read_done server_ip=%s prot=%d count=%d status=%d timestamp=%d version=%d name=%s argstr=%s\n", server_ip, prot, count, status, timestamp, version, name, argstr) }
probe nfs.proc3.read_done.return { printf("nfs.proc3.read_done.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc3.read_setup { printf("nfs.proc3.read_setup inode=%d client=%d server_ip=%s prot=%d count=%d offset=%d version=%d name=%s argstr=%s size=%d units=%s fh=%d\n", inode, client, server_ip, prot, count, offset, version, name, argstr, size, units, fh) }
probe nfs.proc3.read_setup.return { printf("nfs.proc3.read_setup.return version=%d name=%s retvalue=%d\n", version, name, retvalue) }
probe nfs.proc3.remove { printf("nfs.proc3.remove client=%d server_ip=%s prot=%d fh=%d filelen=%d filename=%s version=%d name=%s argstr=%s\n", client, server_ip, prot, fh, filelen, filename, version, name, argstr) }
probe nfs.proc3.remove.return { printf("nfs.proc3.remove.return name=%s version=%d retstr=%s\n", name, version, retstr) }
probe nfs.proc3.rename { printf("nfs.proc3.rename client=%d server_ip=%s prot=%d old_fh=%d old_filelen=%d old_name=%s new_fh=%d new_filelen=%d new_name=%s version=%d name=%s argstr=%s\n", client, server_ip, prot, old_fh, old_filelen, old_name, new_fh, new_filelen, new_name, version, name, argstr) }
probe nfs.proc3.rename.return { printf("nfs.proc3.rename.return name=%s version=%d retstr=%s\n", name, version, retstr) }
probe nfs.proc3.rename_done { printf("nfs.proc3.rename_done client=%d server_ip=%s prot=%d version=%d status=%d timestamp=%d old_fh=%d new_fh=%d name=%s argstr=%s\n", client, server_ip, prot, version, status, timestamp, old_fh, new_fh, name, argstr) }
probe nfs.proc3.rename_done.return { printf("nfs.proc3.rename_done.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc3.rename_setup { printf("nfs.proc3.rename_setup client=%d server_ip=%s prot=%d version=%d fh=%d name=%s argstr=%s\n", client, server_ip, prot, version, fh, name, argstr) }
probe nfs.proc3.rename_setup.return { printf("nfs.proc3.rename_setup.return version=%d name=%s retvalue=%d\n", version, name, retvalue) }
probe nfs.proc3.write_done { printf("nfs.proc3.write_done server_ip=%s prot=%d count=%d valid=%d status=%d timestamp=%d version=%d name=%s argstr=%s\n", server_ip, prot, count, valid, status, timestamp, version, name, argstr) }
probe nfs.proc3.write_done.return { printf("nfs.proc3.write_done.return version=%d name=%s retstr=%s\n", version, name, retstr) }
probe nfs.proc3.write_setup { printf("nfs.proc3.write_setup inode=%d client=%d server_ip=%s prot=%d count=%d offset=%d version=%d bitmask0=%d bitmask1=%d name=%s size=%d units=%s how=%d argstr=%s\n", inode, client, server_ip, prot, count, offset, version, bitmask0, bitmask1, name, size, units, how, argstr) }
probe nfs.proc3.write_setup.return { printf("nfs.proc3.write_setup.return version=%d name=%s retvalue=%d\n", version, name, retvalue) }
EOF
grep -o '^[a-z]*("[a-z0-9]*")\.function("[a-z0-9_]*@[^:]*' | sort | uniq -c
