using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using CheckedMmap.Contract;
using CheckedMmap.Registry;

namespace CheckedMmap
{
    /// <summary>The operating system whose libc numbers, page size and functions are emulated.</summary>
    public enum TargetOperatingSystem
    {
        /// <summary>Linux: MAP_ANONYMOUS 0x20, 4 KiB pages, mremap available.</summary>
        Linux = 0,

        /// <summary>macOS: MAP_ANON 0x1000, 16 KiB pages on arm64 (4 KiB on x64), no mremap.</summary>
        MacOS = 1,

        /// <summary>FreeBSD: MAP_ANON 0x1000, 4 KiB pages, no mremap.</summary>
        FreeBSD = 2,
    }

    /// <summary>How much of the stack is captured when a mapping is created or destroyed.</summary>
    public enum StackCaptureMode
    {
        /// <summary>
        /// No stacks (cheapest). Call sites (file:line) of every call (mmap, munmap, mremap, mprotect, madvise) are still
        /// recorded through the caller-info parameters, at no cost.
        /// </summary>
        None = 0,

        /// <summary>
        /// Default: the creation and the destruction stack (methods only, no file info; two stack walks per mapping
        /// lifetime, one for a moving mremap), rendered only when a report is printed. Call sites (file:line) of every
        /// call are recorded as well, at no cost.
        /// </summary>
        Methods = 1,

        /// <summary>
        /// Creation and destruction stacks, both with file:line in every frame (needs portable PDBs; the slowest: two
        /// walks per mapping lifetime, each with line lookups).
        /// </summary>
        MethodsWithFileLine = 2,
    }

    /// <summary>
    /// CheckedMmap's settings. Defaults come from the environment variables listed on each property (read once, at
    /// first use); setting a property overrides them. Target, page size and guard pages change the layout of
    /// mappings, so changing them while mappings are live is refused. Every bad value throws
    /// <see cref="CheckedMmapConfigurationException"/> naming the variable or option and the accepted range.
    /// </summary>
    public static partial class CheckedMmapOptions
    {
        /// <summary>CHECKEDMMAP_TARGET: linux | macos | freebsd (default: the host OS; Linux on Windows).</summary>
        public const string TargetVariable = RuntimeConfiguration.TargetVariable;

        /// <summary>CHECKEDMMAP_PAGE_SIZE_KIB: force the page size, in KiB, a power of two from 1 to 1048576 (like -Zmiri-force-page-size).</summary>
        public const string PageSizeVariable = RuntimeConfiguration.PageSizeVariable;

        /// <summary>CHECKEDMMAP_GUARD_PAGES: 1/true/on (default) or 0/false/off.</summary>
        public const string GuardPagesVariable = RuntimeConfiguration.GuardPagesVariable;

        /// <summary>CHECKEDMMAP_STACKS: none | methods (default) | fileline.</summary>
        public const string StacksVariable = RuntimeConfiguration.StacksVariable;

        /// <summary>CHECKEDMMAP_STACK_DEPTH: frames recorded per stack below the Mman call, 0 to 4096; 0 records every frame (default 16).</summary>
        public const string StackDepthVariable = RuntimeConfiguration.StackDepthVariable;

        /// <summary>CHECKEDMMAP_QUARANTINE_BYTES: the most address space kept in quarantine (default 1 TiB; suffixes k, m, g, t allowed).</summary>
        public const string QuarantineBytesVariable = RuntimeConfiguration.QuarantineBytesVariable;

        /// <summary>CHECKEDMMAP_QUARANTINE_COUNT: the most mappings kept in quarantine (default 8192).</summary>
        public const string QuarantineCountVariable = RuntimeConfiguration.QuarantineCountVariable;

        /// <summary>CHECKEDMMAP_EVICTED_HISTORY: evicted mappings remembered for reports (default 4096, at most 1048576).</summary>
        public const string EvictedHistoryVariable = RuntimeConfiguration.EvictedHistoryVariable;

        /// <summary>CHECKEDMMAP_MAP_ENTRY_HEADROOM: map entries (vm.max_map_count) left to the .NET runtime and the program (default 8192).</summary>
        public const string MapEntryHeadroomVariable = RuntimeConfiguration.MapEntryHeadroomVariable;

        /// <summary>CHECKEDMMAP_LEAK_CHECK_AT_EXIT: 1 to report live mappings at process exit and fail the exit code.</summary>
        public const string LeakCheckAtExitVariable = RuntimeConfiguration.LeakCheckAtExitVariable;

        /// <summary>
        /// CHECKEDMMAP_FAULT_REPORTS: 1 (default) installs the fault reporter where it can work (Linux x64 and arm64,
        /// with the package's native pre-handler next to CheckedMmap.dll); 0 never installs it.
        /// </summary>
        public const string FaultReportsVariable = RuntimeConfiguration.FaultReportsVariable;

        /// <summary>
        /// Default quarantine size in bytes of address space: 1 TiB. Quarantined ranges hold no memory (their pages are
        /// returned), so large mappings stay poisoned for a long time.
        /// </summary>
        public const ulong DefaultQuarantineMaxBytes = RuntimeConfiguration.DefaultQuarantineMaxBytes;

        /// <summary>Default quarantine length in mappings (bounds the registry's own memory: each keeps its stacks).</summary>
        public const int DefaultQuarantineMaxCount = RuntimeConfiguration.DefaultQuarantineMaxCount;

        /// <summary>Default number of evicted mappings remembered for reports.</summary>
        public const int DefaultEvictedHistory = RuntimeConfiguration.DefaultEvictedHistory;

        /// <summary>Default map entries left to the .NET runtime and the program under vm.max_map_count.</summary>
        public const int DefaultMapEntryHeadroom = RuntimeConfiguration.DefaultMapEntryHeadroom;

        /// <summary>Default frames recorded per stack below the Mman call (as AddressSanitizer's malloc_context_size: the
        /// frames of a test framework under the test method are not worth walking at every mmap).</summary>
        public const int DefaultStackDepth = RuntimeConfiguration.DefaultStackDepth;

        /// <summary>The emulated target OS (its flag numbers, page size and whether mremap exists). Refused while mappings are live.</summary>
        public static TargetOperatingSystem Target
        {
            get => (TargetOperatingSystem)MmapRuntime.Current.Target;

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                if (!Enum.IsDefined(typeof(TargetOperatingSystem), value))
                {
                    throw RuntimeConfiguration.BadOption(nameof(Target), value, "Linux, MacOS or FreeBSD");
                }

                MmapRuntime.Reconfigure(s => s.With(target: (TargetOS)value), "the emulated target");
            }
        }

        /// <summary>The emulated page size in bytes: forced, or the target's default (16 KiB on Apple arm64, else 4 KiB).</summary>
        public static ulong PageSize => MmapRuntime.Current.PageSize;

        /// <summary>True when the page size was forced (<see cref="ForcePageSizeKiB(ulong)"/> or CHECKEDMMAP_PAGE_SIZE_KIB).</summary>
        public static bool IsPageSizeForced => MmapRuntime.Current.ForcedPageSize != 0;

        /// <summary>
        /// Forces the page size to <paramref name="kib"/> KiB, a power of two from 1 to 1048576 (1 GiB), like
        /// -Zmiri-force-page-size. Refused while mappings are live.
        /// </summary>
        /// <exception cref="CheckedMmapConfigurationException">Not a power of two, out of range, or mappings are live.</exception>
        public static void ForcePageSizeKiB(ulong kib)
        {
            RuntimeConfiguration.EnsureLoaded();
            ulong bytes = RuntimeConfiguration.ValidatePageSizeKiB(kib, nameof(ForcePageSizeKiB));
            MmapRuntime.Reconfigure(s => s.With(forcedPageSize: bytes), "the page size");
        }

        /// <summary>Goes back to the target's default page size. Refused while mappings are live.</summary>
        public static void ResetPageSize()
        {
            RuntimeConfiguration.EnsureLoaded();
            MmapRuntime.Reconfigure(s => s.With(forcedPageSize: 0), "the page size");
        }

        /// <summary>
        /// Inaccessible guard pages before and after every mapping (default true), while the map-entry budget allows
        /// (see <see cref="MapEntryHeadroom"/>). Refused while mappings are live.
        /// </summary>
        public static bool GuardPages
        {
            get => MmapRuntime.Current.GuardPages;

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                MmapRuntime.Reconfigure(s => s.With(guardPages: value), "guard pages");
            }
        }

        /// <summary>The most address space (bytes) kept in quarantine before the oldest are evicted (0 disables the quarantine).</summary>
        public static ulong QuarantineMaxBytes
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.QuarantineMaxBytes;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                MmapRuntime.SetQuarantineBounds(maxBytes: value);
            }
        }

        /// <summary>The most mappings kept in quarantine before the oldest are evicted (0 disables the quarantine).</summary>
        /// <exception cref="CheckedMmapConfigurationException">Negative.</exception>
        public static int QuarantineMaxCount
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.QuarantineMaxCount;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                if (value < 0)
                {
                    throw RuntimeConfiguration.BadOption(nameof(QuarantineMaxCount), value, "0 to 2147483647");
                }

                MmapRuntime.SetQuarantineBounds(maxCount: value);
            }
        }

        /// <summary>Evicted mappings remembered so that a late double munmap or fault still names them (0 to 1048576; default 4096).</summary>
        /// <exception cref="CheckedMmapConfigurationException">Out of range.</exception>
        public static int EvictedHistory
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.EvictedHistoryCapacity;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                if (value < 0 || value > RuntimeConfiguration.MaxEvictedHistory)
                {
                    throw RuntimeConfiguration.BadOption(nameof(EvictedHistory), value, "0 to 1048576");
                }

                MmapRuntime.SetQuarantineBounds(evictedHistory: value);
            }
        }

        /// <summary>
        /// Map entries (Linux: vm.max_map_count) the checker leaves to the .NET runtime and the program (default 8192).
        /// Past its budget the checker gives new mappings no guard pages of their own and releases the quarantine's
        /// oldest ranges first, instead of failing; <see cref="MmapTracker.Statistics"/> counts both.
        /// </summary>
        /// <exception cref="CheckedMmapConfigurationException">Negative, or not less than the host's vm.max_map_count.</exception>
        public static int MapEntryHeadroom
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.MapEntryHeadroom;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                if (value < 0 || value > RuntimeConfiguration.MaxMapEntryHeadroom)
                {
                    throw RuntimeConfiguration.BadOption(nameof(MapEntryHeadroom), value, RuntimeConfiguration.MapEntryHeadroomRange);
                }

                MmapRuntime.SetQuarantineBounds(mapEntryHeadroom: value);
            }
        }

        /// <summary>Stack capture at mmap/munmap/mremap (default <see cref="StackCaptureMode.Methods"/>).</summary>
        public static StackCaptureMode StackCapture
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.StackCapture;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                if (!Enum.IsDefined(typeof(StackCaptureMode), value))
                {
                    throw RuntimeConfiguration.BadOption(nameof(StackCapture), value, "None, Methods or MethodsWithFileLine");
                }

                MmapRuntime.StackCapture = value;
            }
        }

        /// <summary>
        /// Frames recorded per creation and destruction stack below the <see cref="Mman"/> call (default
        /// <see cref="DefaultStackDepth"/>; 0 records every frame). The walk costs per frame, so a depth keeps a stack deep in
        /// a test framework as cheap as one near the thread's start; a report says when a stack goes on below the depth.
        /// </summary>
        /// <exception cref="CheckedMmapConfigurationException">The value is negative or above 4096.</exception>
        public static int StackDepth
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.StackDepth;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                if (value < 0 || value > RuntimeConfiguration.MaxStackDepth)
                {
                    throw RuntimeConfiguration.BadOption(nameof(StackDepth), value, RuntimeConfiguration.StackDepthRange);
                }

                MmapRuntime.StackDepth = value;
            }
        }

        /// <summary>At process exit, report live mappings to <see cref="ReportWriter"/> and make the exit code 1 (default false).</summary>
        public static bool LeakCheckAtExit
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.LeakCheckAtExit;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                MmapRuntime.LeakCheckAtExit = value;
            }
        }

        /// <summary>
        /// True when guard-page and quarantine faults are reported (Linux x64 and arm64; CHECKEDMMAP_FAULT_REPORTS=0 turns
        /// it off): with DOTNET_legacyCorruptedStateExceptionsPolicy=1 in the environment at startup (the package's test
        /// settings set it) a fault in managed code is an AccessViolationException whose message is the report; otherwise,
        /// and for faults in native code, the report is printed to standard error before the process ends.
        /// </summary>
        public static bool FaultReportsActive
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return CheckedMmap.Host.FaultReporter.IsInstalled;
            }
        }

        /// <summary>
        /// Where reports and notes printed by CheckedMmap itself go (a fault that ends the process, leaks at exit, the
        /// map-entry budget note). Default: the process's standard error stream (file descriptor 2) itself, not
        /// <see cref="Console.Error"/>, which test frameworks replace to capture a test's output and lose when the process
        /// ends on a fault.
        /// </summary>
        /// <exception cref="ArgumentNullException">The value set is null.</exception>
        public static TextWriter ReportWriter
        {
            get => MmapRuntime.ReportWriter;
            set => MmapRuntime.ReportWriterOverride = value ?? throw new ArgumentNullException(nameof(value));
        }

        /// <summary>
        /// Restores every setting to its default, then applies the environment variables again. Throws
        /// <see cref="CheckedMmapConfigurationException"/> for a bad value or when mappings are live and the layout would change.
        /// </summary>
        public static void ResetToDefaults()
        {
            RuntimeConfiguration.ApplyEnvironment(Environment.GetEnvironmentVariable);
            MmapRuntime.ReportWriterOverride = null;
        }

        /// <summary>Applies settings read through <paramref name="getVariable"/> (for tests and hosts with their own configuration).</summary>
        public static void ApplyEnvironment(Func<string, string?> getVariable)
        {
            if (getVariable == null)
            {
                throw new ArgumentNullException(nameof(getVariable));
            }

            RuntimeConfiguration.ApplyEnvironment(getVariable);
        }

        /// <summary>Every CHECKEDMMAP_* variable this type reads, with what it does.</summary>
        public static IReadOnlyDictionary<string, string> EnvironmentVariables => RuntimeConfiguration.Variables;

        internal static TargetOS HostTarget => RuntimeConfiguration.HostTarget;
    }
}
