# nd_syscall.* (the same probes under their other name) of sockets,
# time, signals, polling and IPC: sockaddr summaries, SOCK_ flags,
# {tv_sec, tv_nsec} structs, signal names and masks, EAGAIN returns
# The .expect is SystemTap 4.8's output on the same kernel and workload:
# testsuite/fixtures/sysc-run --oracle with the same arguments prints it,
# but for the line of epoll_create(5): 4.8's syscall tapset without
# debuginfo (raw_syscalls tracepoints, as here) only knows epoll_create1.
exec ../../fixtures/sysc-run nd_syscall "net time signal poll ipc" \
	socket,bind,listen,connect,accept,accept4,sendto,recvfrom,sendmsg,recvmsg,setsockopt,getsockopt,shutdown,socketpair,nanosleep,clock_nanosleep,clock_getres,clock_settime,settimeofday,getitimer,setitimer,timer_create,timer_settime,timerfd_create,timerfd_settime,rt_sigaction,rt_sigprocmask,rt_sigpending,rt_sigtimedwait,sigaltstack,pipe,poll,ppoll,select,pselect6,epoll_create,epoll_ctl,epoll_wait,msgget,msgsnd,msgrcv,msgctl,semop,shmat,shmdt,mq_open,mq_timedsend,mq_unlink
