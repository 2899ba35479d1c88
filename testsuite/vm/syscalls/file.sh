# syscall.* of files and directories: open/read/write/close and friends,
# with their flags, modes, AT_FDCWD, quoted paths, and failing calls'
# errno names (close(99) = -9 (EBADF), access = -2 (ENOENT))
# The .expect is SystemTap 4.8's output on the same kernel and workload:
# testsuite/fixtures/sysc-run --oracle with the same arguments prints it.
exec ../../fixtures/sysc-run syscall "file dir" \
	open,openat,creat,read,write,writev,pread,pwrite,readv,lseek,close,fstat,stat,fstatat,statx,access,faccessat,dup2,dup3,fcntl,flock,ftruncate,truncate,fchmod,chmod,chown,utimensat,link,symlink,readlink,rename,renameat2,unlink,unlinkat,mknod,mkdir,chdir,getcwd,getdents,umask,mount,umount
