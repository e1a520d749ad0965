#ifndef C_THREAD_AFFINITY_H
#define C_THREAD_AFFINITY_H

// Thread-to-CPU pinning (Linux's sched_*affinity need _GNU_SOURCE, which Swift's Glibc lacks).

/// Writes up to `capacity` CPUs the calling thread may run on into `cpus`; returns how many
/// there are, or -1 when the system does not say.
int sculpt_allowed_cpus(int *cpus, int capacity);

/// Pins the calling thread to `cpu`; returns 0 on success.
int sculpt_pin_current_thread(int cpu);

#endif
