// Creation and destruction stacks are taken for every mapping but read only for a report. An allocator maps and
// unmaps from a handful of call paths, so almost every stack it records equals one recorded before. Keeping one
// stack per distinct path (methods and IL offsets) makes the captured stack garbage at once instead of a
// kilobyte-sized survivor per mapping held by the quarantine and the evicted history; survivors, not the walk,
// were most of the default mode's cost.
using System;
using System.Collections.Generic;

namespace CheckedMmap.Reports
{
    internal static class InternedStacks
    {
        /// <summary>Distinct stacks kept for sharing; past this, stacks are still recorded, each on its own.</summary>
        internal const int Capacity = 16384;

        private static readonly object Sync = new object();
        private static readonly Dictionary<long, CapturedStack> ByHash = new Dictionary<long, CapturedStack>();

        /// <summary>The number of distinct stacks held for sharing (tests).</summary>
        internal static int Count
        {
            get
            {
                lock (Sync)
                {
                    return ByHash.Count;
                }
            }
        }

        /// <summary>A stack recorded before with the same call path as <paramref name="stack"/>, or <paramref name="stack"/>.</summary>
        public static CapturedStack Intern(CapturedStack stack)
        {
            long hash = stack.PathHash();
            lock (Sync)
            {
                if (ByHash.TryGetValue(hash, out CapturedStack? known))
                {
                    // A hash collision with another path keeps the new stack unshared, never a wrong one.
                    return known.SamePath(stack) ? known : stack;
                }

                if (ByHash.Count < Capacity)
                {
                    ByHash.Add(hash, stack);
                }
            }

            return stack;
        }
    }
}
