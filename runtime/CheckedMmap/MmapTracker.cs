using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CheckedMmap.Contract;
using CheckedMmap.Registry;

namespace CheckedMmap
{
    /// <summary>
    /// The registry seen from outside: live mappings with their creation stacks, leak assertions for the end of a
    /// test, the quarantine's state, and address lookups.
    /// </summary>
    public static class MmapTracker
    {
        /// <summary>Live mappings, oldest first (a snapshot).</summary>
        public static IReadOnlyList<MappingInfo> LiveMappings() => MmapRuntime.Snapshot(liveOnly: true);

        /// <summary>Live and quarantined mappings, oldest first (a snapshot).</summary>
        public static IReadOnlyList<MappingInfo> KnownMappings() => MmapRuntime.Snapshot(liveOnly: false);

        /// <summary>The number of live mappings.</summary>
        public static int LiveCount => MmapRuntime.LiveCount;

        /// <summary>The bytes of all live mappings (their Miri sizes).</summary>
        public static ulong LiveBytes => MmapRuntime.LiveBytes;

        /// <summary>The number of mappings in quarantine (unmapped, still reserved and inaccessible).</summary>
        public static int QuarantinedCount => MmapRuntime.QuarantinedCount;

        /// <summary>The bytes held in quarantine (host-page rounded).</summary>
        public static ulong QuarantinedBytes => MmapRuntime.QuarantinedBytes;

        /// <summary>How many quarantined mappings have been evicted (really released) so far.</summary>
        public static long Evictions => MmapRuntime.Evictions;

        /// <summary>
        /// Every counter at one moment: live mappings with and without guard pages of their own, the quarantine,
        /// evictions, and the map-entry budget (vm.max_map_count less the headroom) that decides them.
        /// </summary>
        public static MmapStatistics Statistics => MmapRuntime.Statistics();

        /// <summary>
        /// As <see cref="FindMapping(nint)"/>, then the most recently evicted mapping that contained
        /// <paramref name="address"/> (state <see cref="MappingState.Released"/>), from the bounded history of evicted
        /// mappings (<see cref="CheckedMmapOptions.EvictedHistory"/>); null when none is known.
        /// </summary>
        public static MappingInfo? FindMappingIncludingEvicted(nint address) => MmapRuntime.FindIncludingEvicted((ulong)address);

        /// <summary>
        /// A mark for <see cref="AssertNoLeaks(long)"/>: mappings created after it are the ones a test owns, so tests
        /// running in parallel do not see each other's mappings.
        /// </summary>
        public static long Checkpoint() => MmapRuntime.LastId;

        /// <summary>The live or quarantined mapping containing <paramref name="address"/>, or null.</summary>
        public static MappingInfo? FindMapping(nint address) => MmapRuntime.Find((ulong)address);

        /// <summary>Throws <see cref="MmapLeakException"/> listing every live mapping with its creation stack.</summary>
        public static void AssertNoLeaks() => AssertNoLeaks(0);

        /// <summary>Throws <see cref="MmapLeakException"/> listing every mapping created after <paramref name="checkpoint"/> (by any thread) that is still live.</summary>
        public static void AssertNoLeaks(long checkpoint) => AssertNoLeaks(checkpoint, currentThreadOnly: false);

        /// <summary>
        /// As <see cref="AssertNoLeaks(long)"/>; with <paramref name="currentThreadOnly"/>, only mappings the calling thread
        /// created count, so a synchronous test is not blamed for mappings of tests running in parallel.
        /// </summary>
        public static void AssertNoLeaks(long checkpoint, bool currentThreadOnly)
        {
            int thread = Environment.CurrentManagedThreadId;
            var leaked = new List<MappingInfo>();
            foreach (MappingInfo m in MmapRuntime.Snapshot(liveOnly: true))
            {
                if (m.Id > checkpoint && (!currentThreadOnly || m.CreatedThreadId == thread))
                {
                    leaked.Add(m);
                }
            }

            if (leaked.Count > 0)
            {
                throw new MmapLeakException(leaked, FormatLeakReport(leaked));
            }
        }

        /// <summary>Evicts the whole quarantine (its address ranges are given back).</summary>
        public static void FlushQuarantine() => MmapRuntime.FlushQuarantine();

        /// <summary>
        /// "==CheckedMmap== ERROR: LeakCheck: 2 mapping(s) (12288 bytes) still mapped", then per mapping
        /// "alloc3: 8192 bytes at 0x… created by mmap on thread 1 here:" and its stack, then a SUMMARY line.
        /// </summary>
        public static string FormatLeakReport(IEnumerable<MappingInfo> mappings)
        {
            if (mappings == null)
            {
                throw new ArgumentNullException(nameof(mappings));
            }

            var list = new List<MappingInfo>(mappings);
            ulong bytes = 0;
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] == null)
                {
                    throw new ArgumentException("Element " + i.ToString(CultureInfo.InvariantCulture) + " is null.", nameof(mappings));
                }

                bytes += list[i].SizeBytes;
            }

            var sb = new StringBuilder();
            sb.AppendFormat(CultureInfo.InvariantCulture, "==CheckedMmap== ERROR: LeakCheck: {0} mapping(s) ({1} bytes) still mapped", list.Count, bytes).AppendLine();
            foreach (MappingInfo m in list)
            {
                sb.AppendFormat(CultureInfo.InvariantCulture, "{0}: {1} bytes at {2} created by {3} on {4} here:",
                    m.Name, m.SizeBytes, MmapMessages.Hex(m.Start), m.CreatedBy, MappingInfo.ThreadText(m.CreatedThreadId, m.CreatedThreadName)).AppendLine();
                sb.Append(m.CreationStack);
            }

            sb.AppendFormat(CultureInfo.InvariantCulture, "SUMMARY: CheckedMmap: {0} bytes leaked in {1} mapping(s).", bytes, list.Count).AppendLine();
            return sb.ToString();
        }
    }
}
