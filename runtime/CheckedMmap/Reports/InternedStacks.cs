// Creation and destruction stacks are taken for every mapping but read only for a report. An allocator maps and
// unmaps from a handful of call paths, so almost every stack it records equals one recorded before. Keeping one
// StackTrace per distinct path (methods and IL offsets) makes the captured stack garbage at once instead of a
// kilobyte-sized survivor per mapping held by the quarantine and the evicted history; survivors, not the walk,
// were most of the default mode's cost.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;

namespace CheckedMmap.Reports
{
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "A method trimmed away compares as null: its stacks are then shared less, never wrongly.")]
    internal static class InternedStacks
    {
        /// <summary>Distinct stacks kept for sharing; past this, stacks are still recorded, each on its own.</summary>
        internal const int Capacity = 16384;

        private static readonly object Sync = new object();
        private static readonly Dictionary<long, StackTrace> ByHash = new Dictionary<long, StackTrace>();

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

        /// <summary>The calling thread's stack, methods only: a stack recorded before with the same frames, or this one.</summary>
        public static StackTrace Capture()
        {
            var trace = new StackTrace(1, false);
            long hash = Hash(trace);
            lock (Sync)
            {
                if (ByHash.TryGetValue(hash, out StackTrace? known))
                {
                    // A hash collision with another path keeps the new stack unshared, never a wrong one.
                    return SameFrames(known, trace) ? known : trace;
                }

                if (ByHash.Count < Capacity)
                {
                    ByHash.Add(hash, trace);
                }
            }

            return trace;
        }

        private static long Hash(StackTrace trace)
        {
            // FNV-1a over (method handle, IL offset) per frame: the identity of a call path in methods-only capture.
            ulong h = 14695981039346656037UL;
            int n = trace.FrameCount;
            for (int i = 0; i < n; i++)
            {
                StackFrame? frame = trace.GetFrame(i);
                h = (h ^ (ulong)MethodKey(frame?.GetMethod())) * 1099511628211UL;
                h = (h ^ (uint)(frame?.GetILOffset() ?? -1)) * 1099511628211UL;
            }

            return (long)(h ^ (uint)n);
        }

        private static bool SameFrames(StackTrace a, StackTrace b)
        {
            int n = a.FrameCount;
            if (n != b.FrameCount)
            {
                return false;
            }

            for (int i = 0; i < n; i++)
            {
                StackFrame? x = a.GetFrame(i);
                StackFrame? y = b.GetFrame(i);
                if (!Equals(x?.GetMethod(), y?.GetMethod()) || x?.GetILOffset() != y?.GetILOffset())
                {
                    return false;
                }
            }

            return true;
        }

        private static long MethodKey(MethodBase? method)
        {
            if (method == null)
            {
                return 0;
            }

            try
            {
                return (long)method.MethodHandle.Value;
            }
            catch (Exception e) when (e is InvalidOperationException || e is NotSupportedException)
            {
                // Methods without a handle (dynamic methods) are told apart by name; equality is checked anyway.
                return method.Name.GetHashCode();
            }
        }
    }
}
