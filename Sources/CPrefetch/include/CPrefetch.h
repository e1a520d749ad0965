#ifndef C_PREFETCH_H
#define C_PREFETCH_H

// Software prefetch, which Swift has no spelling for. Inlined into the Swift caller (static
// inline); __builtin_prefetch is a prefetch instruction on x86 and ARM alike.

/// Asks for the cache line holding `address` to be brought into every cache level ahead of its
/// use. It never faults: an address past the end of an allocation is harmless.
static inline void sculpt_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
