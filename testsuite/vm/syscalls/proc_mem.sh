# syscall.* of processes and memory: mmap/mprotect/mremap/munmap with
# their PROT_/MAP_/MREMAP_ flags, fork/clone/execve/wait4 (pids masked),
# prctl, uname, rlimits, and mmap2's name for mmap
# The .expect is SystemTap 4.8's output on the same kernel and workload:
# testsuite/fixtures/sysc-run --oracle with the same arguments prints it.
exec ../../fixtures/sysc-run syscall "proc mem" \
	mmap2,mprotect,madvise,mincore,msync,mlock,munlock,mlock2,mlockall,munlockall,mremap,munmap,fork,vfork,clone,execve,wait4,kill,prctl,personality,unshare,uname,getrlimit,setrlimit,prlimit64,getpriority,ioprio_get,capget,capset,execveat,process_vm_writev,get_mempolicy,mbind,pkey_free
