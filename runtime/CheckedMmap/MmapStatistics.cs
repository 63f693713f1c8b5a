using System.Globalization;

namespace CheckedMmap
{
    /// <summary>
    /// The checked runtime's counters at one moment (<see cref="MmapTracker.Statistics"/>): live mappings with and
    /// without guard pages of their own, the quarantine, evictions, and the map-entry budget that decides both
    /// (on Linux, vm.max_map_count less a headroom for the .NET runtime and the program).
    /// </summary>
    public sealed class MmapStatistics
    {
        internal MmapStatistics(int liveMappings, int guardedLiveMappings, int quarantinedMappings, ulong quarantinedAddressSpace,
            long evictions, long evictionsForMapEntries, long releasedWithoutQuarantine, long unguardedByBudget, int evictedHistoryCount,
            int mapEntryLimit, int mapEntryHeadroom, int checkerMapEntries, long checkerMapEntryLimit, int processMapEntries, bool budgetReached,
            bool guardRegions = false)
        {
            LiveMappings = liveMappings;
            GuardedLiveMappings = guardedLiveMappings;
            QuarantinedMappings = quarantinedMappings;
            QuarantinedAddressSpace = quarantinedAddressSpace;
            Evictions = evictions;
            EvictionsForMapEntries = evictionsForMapEntries;
            ReleasedWithoutQuarantine = releasedWithoutQuarantine;
            UnguardedByBudget = unguardedByBudget;
            EvictedHistoryCount = evictedHistoryCount;
            MapEntryLimit = mapEntryLimit;
            MapEntryHeadroom = mapEntryHeadroom;
            CheckerMapEntries = checkerMapEntries;
            CheckerMapEntryLimit = checkerMapEntryLimit;
            ProcessMapEntries = processMapEntries;
            BudgetReached = budgetReached;
            GuardRegions = guardRegions;
        }

        /// <summary>Live mappings.</summary>
        public int LiveMappings { get; }

        /// <summary>Live mappings with an inaccessible guard page on each side.</summary>
        public int GuardedLiveMappings { get; }

        /// <summary>Live mappings without guard pages of their own (guard pages off, or the budget was full when they were made).</summary>
        public int UnguardedLiveMappings => LiveMappings - GuardedLiveMappings;

        /// <summary>Mappings in quarantine (unmapped, still reserved and inaccessible).</summary>
        public int QuarantinedMappings { get; }

        /// <summary>Address space held by the quarantine, in bytes (no memory: the pages are returned).</summary>
        public ulong QuarantinedAddressSpace { get; }

        /// <summary>Quarantined mappings evicted so far (their ranges given back), for any reason.</summary>
        public long Evictions { get; }

        /// <summary>Of <see cref="Evictions"/>, those made early to give map entries back.</summary>
        public long EvictionsForMapEntries { get; }

        /// <summary>Unmapped mappings released at once, not quarantined (quarantine off, or no map entry left for the hole).</summary>
        public long ReleasedWithoutQuarantine { get; }

        /// <summary>Mappings created without guard pages although guard pages are on, because the budget was full.</summary>
        public long UnguardedByBudget { get; }

        /// <summary>Evicted mappings still remembered for reports.</summary>
        public int EvictedHistoryCount { get; }

        /// <summary>The host's map-entry limit (vm.max_map_count), or -1 where there is none.</summary>
        public int MapEntryLimit { get; }

        /// <summary>Map entries left to the .NET runtime and the program.</summary>
        public int MapEntryHeadroom { get; }

        /// <summary>Map entries the checker's reservations are split into (an upper bound: neighbouring reservations may merge).</summary>
        public int CheckerMapEntries { get; }

        /// <summary>The most map entries the checker uses before it degrades, or -1 where unlimited.</summary>
        public long CheckerMapEntryLimit { get; }

        /// <summary>The process's map entries when last counted (/proc/self/maps), or -1.</summary>
        public int ProcessMapEntries { get; }

        /// <summary>True once the budget has forced a degradation (a note was printed to the report writer).</summary>
        public bool BudgetReached { get; }

        /// <summary>
        /// True when new guarded mappings of up to 256 KiB use the kernel's lightweight guard regions (Linux 6.13 and
        /// later, unless vm.overcommit_memory is 2): their guard pages and their time in quarantine change page tables
        /// only and cost no map entry, so every such mapping keeps its guard pages whatever the number live. Larger
        /// mappings, and all of them when false, get guard pages and quarantined holes by protection changes, which
        /// split map entries and are bounded by the budget.
        /// </summary>
        public bool GuardRegions { get; }

        /// <summary>One line with every counter.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "live {0} ({1} guarded, {2} unguarded); quarantined {3} ({4} bytes of address space); evictions {5} ({6} for map entries); " +
            "released without quarantine {7}; unguarded by budget {8}; evicted history {9}; map entries: checker {10} of {11}, process {12}, limit {13}, headroom {14}; budget reached: {15}; guard pages: {16}",
            LiveMappings, GuardedLiveMappings, UnguardedLiveMappings, QuarantinedMappings, QuarantinedAddressSpace, Evictions, EvictionsForMapEntries,
            ReleasedWithoutQuarantine, UnguardedByBudget, EvictedHistoryCount, CheckerMapEntries,
            CheckerMapEntryLimit < 0 ? "unlimited" : CheckerMapEntryLimit.ToString(CultureInfo.InvariantCulture),
            ProcessMapEntries < 0 ? "not counted yet" : ProcessMapEntries.ToString(CultureInfo.InvariantCulture),
            MapEntryLimit == int.MaxValue ? "none" : MapEntryLimit.ToString(CultureInfo.InvariantCulture),
            MapEntryHeadroom, BudgetReached, GuardRegions ? "guard regions" : "protection changes");
    }
}
