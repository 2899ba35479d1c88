# the $ / $$ pretty-printing suffix ends any target expression, glued or
# not ($p$, $p $, ->member$$, @cast(...)$, @var(...)$$, [i]$); -p1 shows
# it as ->$ / ->$$, as 4.8; nothing may follow it
set -u
for e in '$file$' '$file $$' '$$vars$' '$$parms$$' '$file->f_path$' '$file[0]$' \
	 '@cast($file, "struct file")$' '@cast($file, "struct file")[0] $$' \
	 '@var("jiffies")$' '$file$->f_flags' '@cast(0, "struct file")$[0]' '$file$ $'; do
	echo "== $e"
	"$STAP" -p1 -e "probe kernel.function(\"vfs_read\") { println($e) }" 2>&1 | grep -v '^#\|^probe\|^}\|^$'
done
