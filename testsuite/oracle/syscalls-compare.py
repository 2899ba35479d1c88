#!/usr/bin/env python3
"""Compare two traces of testsuite/fixtures/sysc-workload (ours, 4.8's),
written by syscalls.sh: lines "E TID ALIAS NAME NR|ARGSTR|" and
"R TID ALIAS NAME|RETSTR|".  Calls are paired in order, per thread;
addresses that vary from run to run (stack, heap), the workload's
pids, System V IPC ids and a few returns that vary (time, getsid...) are
masked.  Prints every difference and the agreement figures."""
import re, sys, collections

def load(path):
    ev = collections.defaultdict(list)
    tids = []
    for line in open(path, errors='replace'):
        m = re.match(r'([ER]) (\d+) \S+ (\S+?)(?: (-?\d+))?\|(.*)\|$', line.rstrip('\n'))
        if not m:
            continue
        kind, tid, name, nr, text = m.groups()
        if tid not in tids:
            tids.append(tid)
        ev[tid].append((kind, name, text))
    return [ev[t] for t in tids], tids

# calls whose text holds the workload's pids
PIDS = {'kill', 'tkill', 'tgkill', 'wait4', 'waitid', 'rt_sigqueueinfo',
        'rt_tgsigqueueinfo', 'getpid', 'gettid', 'clone', 'fork', 'vfork',
        'set_tid_address', 'getpgid', 'getpgrp'}

# returns that vary from run to run: the numbers are masked
RUNDEP = {'time', 'times', 'getppid', 'getpgid', 'getpgrp', 'getsid'}
# System V IPC ids grow with every run in a VM
IPC = {'msgsnd', 'msgrcv', 'msgctl', 'semop', 'semtimedop', 'semctl', 'shmat', 'shmctl'}

def norm(kind, name, text, tids):
    text = re.sub(r'0x7ff[0-9a-f]{9}', 'STACK', text)
    if kind == 'R' and (name in RUNDEP or name in ('msgget', 'semget', 'shmget')):
        text = re.sub(r'\d+', 'N', text)
    if kind == 'E' and name in IPC:
        text = re.sub(r'^\d+', 'ID', text)
    if name in PIDS:
        for k, t in enumerate(tids):
            text = re.sub(r'\b%s\b' % t, 'PID%d' % k, text)
    return text

def main():
    a, ta = load(sys.argv[1])      # ours
    b, tb = load(sys.argv[2])      # 4.8
    skip = set(sys.argv[3].split(',')) if len(sys.argv) > 3 else set()
    same = diff = 0
    names = collections.defaultdict(lambda: [0, 0])
    for ea, eb in zip(a, b):
        i = j = 0
        while i < len(ea) and j < len(eb):
            ka, na, xa = ea[i]
            kb, nb, xb = eb[j]
            if (ka, na) != (kb, nb):
                # one side missed a call: resynchronise on the next match
                for dj in range(1, 6):
                    if j + dj < len(eb) and eb[j + dj][:2] == (ka, na):
                        print('only 4.8: %s %s(%s)' % (kb, nb, xb)); j += dj; break
                else:
                    print('only ours: %s %s(%s)' % (ka, na, xa)); i += 1
                continue
            i += 1; j += 1
            # the C library's start: heap addresses
            if na in skip or na == 'brk' or (na == 'arch_prctl' and 'SET_FS' in xb) \
               or (na in ('set_tid_address', 'set_robust_list') and not xb.startswith('0x4')):
                continue
            key = na + ('.return' if ka == 'R' else '')
            if norm(ka, na, xa, ta) == norm(kb, nb, xb, tb):
                same += 1; names[key][0] += 1
            else:
                diff += 1; names[key][1] += 1
                print('%s %s\n   ours: %s\n   4.8:  %s' % (ka, na, xa, xb))
    good = sum(1 for k in names if names[k][1] == 0)
    print('calls compared: %d, equal: %d, different: %d' % (same + diff, same, diff))
    print('aliases compared: %d, always equal: %d' % (len(names), good))

main()
