using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CheckedMmap.Contract;
using CheckedMmap.Registry;
using CheckedMmap.Reports;

namespace CheckedMmap
{
    /// <summary>
    /// The registry seen from outside: live mappings with their creation stacks, leak assertions for the end of a
    /// test, the quarantine's state, and address lookups.
    /// </summary>
    [System.Diagnostics.StackTraceHidden] // a leak assertion's exception starts at the test that asserted
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
        /// A mark for <see cref="AssertNoLeaks(long)"/>: mappings created after it, in the calling flow of execution
        /// (including the tasks and threads it starts), are the ones a test owns; mappings made by tests running in
        /// parallel are not. Begins a leak scope in the current flow (as <see cref="BeginLeakScope"/>).
        /// </summary>
        public static long Checkpoint() => BeginLeakScope().Mark;

        /// <summary>
        /// Marks the reports made in the current flow of execution (and the tasks and threads it starts) until the
        /// returned scope is disposed as expected: a test that provokes one on purpose
        /// (<c>using (MmapTracker.ExpectReports()) Assert.Throws&lt;UndefinedBehaviorException&gt;(…)</c>) passes. Outside
        /// such a scope, an Undefined Behavior, unsupported-call or fault report whose exception the code under test
        /// catches fails the test run (<c>-p:CheckedMmap=true</c>), as it would have stopped a run under Miri.
        /// </summary>
        /// <returns>The scope; disposing it ends the expectation (disposing it again does nothing).</returns>
        public static IDisposable ExpectReports() => ExpectedReports.Begin();

        /// <summary>
        /// Begins a leak scope in the current flow of execution: <see cref="MmapLeakScope.AssertNoLeaks"/> then sees only
        /// the mappings this flow (and the tasks and threads it starts) created, so tests running in parallel under
        /// xunit do not see each other's mappings.
        /// </summary>
        public static MmapLeakScope BeginLeakScope()
        {
            var scope = new LeakScope(LeakScope.Current, MmapRuntime.LastId);
            LeakScope.Current = scope;
            return new MmapLeakScope(scope);
        }

        /// <summary>
        /// Exempts the live mapping that starts at <paramref name="address"/> from every leak check, as LeakSanitizer's
        /// <c>__lsan_ignore_object</c> does: a pool that keeps mappings on purpose across tests marks them, and leak
        /// scopes (<see cref="BeginLeakScope"/>, <see cref="AssertNoLeaks()"/>) and the leak check at exit no longer count
        /// them. The mark ends with the mapping (munmap, or an mremap that moves it), or with <see cref="UnignoreLeak"/>.
        /// A leak check's cost grows with the mappings it counts, not with those exempted.
        /// </summary>
        /// <param name="address">The start of a live CheckedMmap mapping (what mmap or mremap returned).</param>
        /// <returns>True when the mapping is exempted; false when <paramref name="address"/> is in no CheckedMmap mapping
        /// (memory from libc, in a CHECKED build that also maps some memory through libc).</returns>
        /// <exception cref="ArgumentException"><paramref name="address"/> is inside a CheckedMmap mapping but not at its
        /// start, or in one that is no longer mapped.</exception>
        public static bool IgnoreLeak(nint address) => SetLeakIgnored(address, ignored: true);

        /// <summary>
        /// Counts a mapping exempted by <see cref="IgnoreLeak"/> in leak checks again, as a mapping of the calling flow's
        /// leak scopes: a pool hands a cached mapping to a test, and a test that drops it has leaked it. Calling it for a
        /// mapping that is not exempted makes it the calling flow's all the same.
        /// </summary>
        /// <param name="address">The start of a live CheckedMmap mapping.</param>
        /// <returns>True when the mapping is counted again; false when <paramref name="address"/> is in no CheckedMmap mapping.</returns>
        /// <exception cref="ArgumentException"><paramref name="address"/> is inside a CheckedMmap mapping but not at its
        /// start, or in one that is no longer mapped.</exception>
        public static bool UnignoreLeak(nint address) => SetLeakIgnored(address, ignored: false);

        private static bool SetLeakIgnored(nint address, bool ignored)
        {
            bool found = MmapRuntime.SetLeakIgnored((ulong)address, ignored, out string? error);
            if (error is not null)
            {
                throw new ArgumentException(error + ": only the start of a live mapping can be " + (ignored ? "exempted from" : "counted again in") + " leak checks", nameof(address));
            }

            return found;
        }

        /// <summary>The live or quarantined mapping containing <paramref name="address"/>, or null.</summary>
        public static MappingInfo? FindMapping(nint address) => MmapRuntime.Find((ulong)address);

        /// <summary>Throws <see cref="MmapLeakException"/> listing every live mapping with its creation stack.</summary>
        /// <exception cref="MmapLeakException">Mappings are live.</exception>
        public static void AssertNoLeaks() => ThrowIfLeaked(MmapRuntime.LeakCandidates());

        /// <summary>
        /// Throws <see cref="MmapLeakException"/> listing every mapping still live that was created after
        /// <paramref name="checkpoint"/> in the flow of execution that took it (see <see cref="Checkpoint"/>). Called
        /// from a flow that did not take the checkpoint, it counts every mapping created after the mark, by any thread.
        /// </summary>
        /// <exception cref="MmapLeakException">Mappings created since the checkpoint are live.</exception>
        public static void AssertNoLeaks(long checkpoint) => AssertNoLeaks(checkpoint, currentThreadOnly: false);

        /// <summary>
        /// As <see cref="AssertNoLeaks(long)"/>; with <paramref name="currentThreadOnly"/>, only mappings the calling thread
        /// created count.
        /// </summary>
        /// <exception cref="MmapLeakException">Mappings created since the checkpoint are live.</exception>
        public static void AssertNoLeaks(long checkpoint, bool currentThreadOnly)
        {
            int thread = Environment.CurrentManagedThreadId;
            LeakScope? scope = LeakScope.FindInCurrentFlow(checkpoint);
            var leaked = new List<MappingInfo>();
            foreach (MappingInfo m in MmapRuntime.LeakCandidates())
            {
                bool mine = scope != null ? scope.Contains(m.Scope) : m.Id > checkpoint;
                if (mine && (!currentThreadOnly || m.CreatedThreadId == thread))
                {
                    leaked.Add(m);
                }
            }

            ThrowIfLeaked(leaked, scope);
        }

        internal static void ThrowIfLeaked(IReadOnlyList<MappingInfo> leaked, LeakScope? scope = null)
        {
            if (leaked.Count > 0)
            {
                FinishedReport report = LeakReports.Build(leaked, when: null, scope);
                ReportSink.Record(report);
                foreach (MappingInfo m in leaked)
                {
                    m.LeakReported = true;
                }

                throw new MmapLeakException(leaked, report.Text);
            }
        }

        /// <summary>
        /// Runs the leak check that <see cref="CheckedMmapOptions.LeakCheckAtExit"/> makes at process exit now, for a host
        /// that ends the process without waiting for its exit handlers: the package calls it when a VSTest run ends. Once
        /// per process: a later call, and the process exit, do nothing. When live mappings remain it prints the leak
        /// report ("still mapped at the end of the test run") and appends it to the report file, and the process exits with 1.
        /// </summary>
        /// <returns>True when it reported leaks; false when it found none, ran before, or the check is off.</returns>
        public static bool RunExitLeakCheckNow() => MmapRuntime.RunExitLeakCheck(processExit: false) != null;

        /// <summary>As <see cref="RunExitLeakCheckNow"/>, for the package's test platform extension, which fails the run with
        /// the report as a test result: the report (appended to the report file, not printed: the test platform shows the
        /// process's standard error again when the run fails), or null.</summary>
        internal static string? RunExitLeakCheckNowWithReport() => MmapRuntime.RunExitLeakCheck(processExit: false, print: false);

        /// <summary>Evicts the whole quarantine (its address ranges are given back).</summary>
        public static void FlushQuarantine() => MmapRuntime.FlushQuarantine();

        /// <summary>
        /// The leak report: "==CheckedMmap== ERROR: leak: 2 mappings (12288 bytes) still mapped", then per mapping where it
        /// lies and "allocN was created by mmap on thread N here:" with its stack, then a SUMMARY line.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="mappings"/> is null.</exception>
        /// <exception cref="ArgumentException">An element of <paramref name="mappings"/> is null.</exception>
        public static string FormatLeakReport(IEnumerable<MappingInfo> mappings)
        {
            if (mappings == null)
            {
                throw new ArgumentNullException(nameof(mappings));
            }

            var list = new List<MappingInfo>(mappings);
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] == null)
                {
                    throw new ArgumentException("Element " + i.ToString(CultureInfo.InvariantCulture) + " is null.", nameof(mappings));
                }
            }

            return LeakReports.Build(list, when: null).Text;
        }
    }
}
