#define _GNU_SOURCE
#include "CThreadAffinity.h"

#ifdef __linux__
#include <sched.h>

int sculpt_allowed_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    int count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set)) continue;
        if (count < capacity) cpus[count] = cpu;
        count++;
    }
    return count;
}

int sculpt_pin_current_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set);
}
#else
int sculpt_allowed_cpus(int *cpus, int capacity) { (void)cpus; (void)capacity; return -1; }
int sculpt_pin_current_thread(int cpu) { (void)cpu; return -1; }
#endif
