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
        /// No stacks (cheapest). Call sites (file:line) of munmap/mremap are still recorded through the caller-info
        /// parameters, at no cost.
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
    /// mappings, so changing them while mappings are live is refused.
    /// </summary>
    public static partial class CheckedMmapOptions
    {
        /// <summary>CHECKEDMMAP_TARGET: linux | macos | freebsd (default: the host OS; Linux on Windows).</summary>
        public const string TargetVariable = "CHECKEDMMAP_TARGET";

        /// <summary>CHECKEDMMAP_PAGE_SIZE_KIB: force the page size, in KiB, a power of two (like -Zmiri-force-page-size).</summary>
        public const string PageSizeVariable = "CHECKEDMMAP_PAGE_SIZE_KIB";

        /// <summary>CHECKEDMMAP_GUARD_PAGES: 1/true/on (default) or 0/false/off.</summary>
        public const string GuardPagesVariable = "CHECKEDMMAP_GUARD_PAGES";

        /// <summary>CHECKEDMMAP_STACKS: none | methods (default) | fileline.</summary>
        public const string StacksVariable = "CHECKEDMMAP_STACKS";

        /// <summary>CHECKEDMMAP_QUARANTINE_BYTES: the most bytes kept in quarantine (default 256 MiB; suffixes k, m, g allowed).</summary>
        public const string QuarantineBytesVariable = "CHECKEDMMAP_QUARANTINE_BYTES";

        /// <summary>CHECKEDMMAP_QUARANTINE_COUNT: the most mappings kept in quarantine (default 8192).</summary>
        public const string QuarantineCountVariable = "CHECKEDMMAP_QUARANTINE_COUNT";

        /// <summary>CHECKEDMMAP_LEAK_CHECK_AT_EXIT: 1 to report live mappings at process exit and fail the exit code.</summary>
        public const string LeakCheckAtExitVariable = "CHECKEDMMAP_LEAK_CHECK_AT_EXIT";

        /// <summary>
        /// CHECKEDMMAP_FAULT_REPORTS: 1 (default) installs the fault reporter where it can work (Linux x64 and arm64,
        /// with the package's native pre-handler next to CheckedMmap.dll); 0 never installs it.
        /// </summary>
        public const string FaultReportsVariable = "CHECKEDMMAP_FAULT_REPORTS";

        /// <summary>Default quarantine size in bytes (as ASan's quarantine_size_mb).</summary>
        public const ulong DefaultQuarantineMaxBytes = 256UL << 20;

        /// <summary>Default quarantine length in mappings, well under vm.max_map_count (65530).</summary>
        public const int DefaultQuarantineMaxCount = 8192;

        private static readonly object Sync = new object();
        private static bool _loaded;
        private static CheckedMmapConfigurationException? _loadError;
        private static TextWriter? _reportWriter;

        /// <summary>The emulated target OS (its flag numbers, page size and whether mremap exists). Refused while mappings are live.</summary>
        public static TargetOperatingSystem Target
        {
            get
            {
                EnsureLoaded();
                return (TargetOperatingSystem)MmapRuntime.Current.Target;
            }

            set
            {
                EnsureLoaded();
                if (!Enum.IsDefined(typeof(TargetOperatingSystem), value))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown target OS.");
                }

                MmapRuntime.Reconfigure(s => s.With(target: (TargetOS)value), "the emulated target");
            }
        }

        /// <summary>The emulated page size in bytes: forced, or the target's default (16 KiB on Apple arm64, else 4 KiB).</summary>
        public static ulong PageSize
        {
            get
            {
                EnsureLoaded();
                return MmapRuntime.Current.PageSize;
            }
        }

        /// <summary>True when the page size was forced (<see cref="ForcePageSizeKiB(ulong)"/> or CHECKEDMMAP_PAGE_SIZE_KIB).</summary>
        public static bool IsPageSizeForced
        {
            get
            {
                EnsureLoaded();
                return MmapRuntime.Current.ForcedPageSize != 0;
            }
        }

        /// <summary>Forces the page size to <paramref name="kib"/> KiB, a nonzero power of two, like -Zmiri-force-page-size. Refused while mappings are live.</summary>
        public static void ForcePageSizeKiB(ulong kib)
        {
            EnsureLoaded();
            ulong bytes = ValidatePageSizeKiB(kib, nameof(ForcePageSizeKiB));
            MmapRuntime.Reconfigure(s => s.With(forcedPageSize: bytes), "the page size");
        }

        /// <summary>Goes back to the target's default page size. Refused while mappings are live.</summary>
        public static void ResetPageSize()
        {
            EnsureLoaded();
            MmapRuntime.Reconfigure(s => s.With(forcedPageSize: 0), "the page size");
        }

        /// <summary>Inaccessible guard pages before and after every mapping (default true). Refused while mappings are live.</summary>
        public static bool GuardPages
        {
            get
            {
                EnsureLoaded();
                return MmapRuntime.Current.GuardPages;
            }

            set
            {
                EnsureLoaded();
                MmapRuntime.Reconfigure(s => s.With(guardPages: value), "guard pages");
            }
        }

        /// <summary>The most bytes kept in quarantine before the oldest are evicted (0 disables the quarantine).</summary>
        public static ulong QuarantineMaxBytes
        {
            get
            {
                EnsureLoaded();
                return MmapRuntime.QuarantineMaxBytes;
            }

            set
            {
                EnsureLoaded();
                MmapRuntime.SetQuarantineBounds(value, MmapRuntime.QuarantineMaxCount);
            }
        }

        /// <summary>The most mappings kept in quarantine before the oldest are evicted (0 disables the quarantine).</summary>
        public static int QuarantineMaxCount
        {
            get
            {
                EnsureLoaded();
                return MmapRuntime.QuarantineMaxCount;
            }

            set
            {
                EnsureLoaded();
                if (value < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "The quarantine count cannot be negative.");
                }

                MmapRuntime.SetQuarantineBounds(MmapRuntime.QuarantineMaxBytes, value);
            }
        }

        /// <summary>Stack capture at mmap/munmap/mremap (default <see cref="StackCaptureMode.Methods"/>).</summary>
        public static StackCaptureMode StackCapture
        {
            get
            {
                EnsureLoaded();
                return MmapRuntime.StackCapture;
            }

            set
            {
                EnsureLoaded();
                if (!Enum.IsDefined(typeof(StackCaptureMode), value))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown stack capture mode.");
                }

                MmapRuntime.StackCapture = value;
            }
        }

        /// <summary>At process exit, report live mappings to <see cref="ReportWriter"/> and make the exit code 1 (default false).</summary>
        public static bool LeakCheckAtExit
        {
            get
            {
                EnsureLoaded();
                return MmapRuntime.LeakCheckAtExit;
            }

            set
            {
                EnsureLoaded();
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
                EnsureLoaded();
                return CheckedMmap.Host.FaultReporter.IsInstalled;
            }
        }

        /// <summary>Where reports printed by CheckedMmap itself go (leaks at exit). Default: standard error.</summary>
        public static TextWriter ReportWriter
        {
            get => _reportWriter ?? Console.Error;
            set => _reportWriter = value ?? throw new ArgumentNullException(nameof(value));
        }

        /// <summary>
        /// Restores every setting to its default, then applies the environment variables again. Throws
        /// <see cref="CheckedMmapConfigurationException"/> for a bad value or when mappings are live and the layout would change.
        /// </summary>
        public static void ResetToDefaults()
        {
            lock (Sync)
            {
                _reportWriter = null;
                Apply(Environment.GetEnvironmentVariable);
                _loaded = true;
                _loadError = null;
            }
        }

        /// <summary>Applies settings read through <paramref name="getVariable"/> (for tests and hosts with their own configuration).</summary>
        public static void ApplyEnvironment(Func<string, string?> getVariable)
        {
            if (getVariable == null)
            {
                throw new ArgumentNullException(nameof(getVariable));
            }

            lock (Sync)
            {
                Apply(getVariable);
                _loaded = true;
                _loadError = null;
            }
        }

        /// <summary>Every CHECKEDMMAP_* variable this type reads, with what it does.</summary>
        public static IReadOnlyDictionary<string, string> EnvironmentVariables { get; } = new Dictionary<string, string>
        {
            [TargetVariable] = "linux | macos | freebsd: the emulated target (default: the host OS; Linux on Windows)",
            [PageSizeVariable] = "page size in KiB, a nonzero power of two (like -Zmiri-force-page-size)",
            [GuardPagesVariable] = "1 | 0: guard pages around every mapping (default 1)",
            [StacksVariable] = "none | methods | fileline: stack capture (default methods)",
            [QuarantineBytesVariable] = "bytes kept in quarantine, k/m/g suffixes allowed (default 256m)",
            [QuarantineCountVariable] = "mappings kept in quarantine (default 8192)",
            [LeakCheckAtExitVariable] = "1 | 0: report live mappings at exit and exit with 1 (default 0)",
            [FaultReportsVariable] = "1 | 0: report guard-page/quarantine faults, naming the mapping (default 1; Linux x64 and arm64)",
            [ReportFileVariable] = "a file to append every report to as one JSON object per line (default: none)",
        };

        internal static void EnsureLoaded()
        {
            if (_loaded)
            {
                if (_loadError != null)
                {
                    throw _loadError;
                }

                return;
            }

            lock (Sync)
            {
                if (!_loaded)
                {
                    try
                    {
                        Apply(Environment.GetEnvironmentVariable);
                    }
                    catch (CheckedMmapConfigurationException e)
                    {
                        _loadError = e;
                    }

                    _loaded = true;
                }
            }

            if (_loadError != null)
            {
                throw _loadError;
            }
        }

        internal static TargetOS HostTarget =>
            RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? TargetOS.MacOS
            : RuntimeInformation.IsOSPlatform(OSPlatform.FreeBSD) ? TargetOS.FreeBSD
            : TargetOS.Linux;

        // Parse everything first, then apply: a bad value changes nothing.
        private static void Apply(Func<string, string?> env)
        {
            TargetOS target = HostTarget;
            string? t = env(TargetVariable);
            if (!string.IsNullOrWhiteSpace(t) && !MmapConstants.TryParseTarget(t, out target))
            {
                throw Bad(TargetVariable, t!, "expected linux, macos or freebsd");
            }

            ulong forced = 0;
            string? p = env(PageSizeVariable);
            if (!string.IsNullOrWhiteSpace(p))
            {
                if (!ulong.TryParse(p!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong kib))
                {
                    throw new CheckedMmapConfigurationException(MmapMessages.ForcePageSizeNotNumber(PageSizeVariable, p));
                }

                forced = ValidatePageSizeKiB(kib, PageSizeVariable);
            }

            bool guards = ParseBool(env, GuardPagesVariable, true);
            bool leak = ParseBool(env, LeakCheckAtExitVariable, false);
            bool faultReports = ParseBool(env, FaultReportsVariable, true);

            StackCaptureMode stacks = StackCaptureMode.Methods;
            string? s = env(StacksVariable);
            if (!string.IsNullOrWhiteSpace(s))
            {
                switch (s!.Trim().ToLowerInvariant())
                {
                    case "none":
                    case "off":
                    case "0":
                        stacks = StackCaptureMode.None;
                        break;
                    case "methods":
                    case "method":
                    case "on":
                    case "1":
                        stacks = StackCaptureMode.Methods;
                        break;
                    case "fileline":
                    case "file":
                    case "methodswithfileline":
                    case "2":
                        stacks = StackCaptureMode.MethodsWithFileLine;
                        break;
                    default:
                        throw Bad(StacksVariable, s, "expected none, methods or fileline");
                }
            }

            ulong qBytes = DefaultQuarantineMaxBytes;
            string? qb = env(QuarantineBytesVariable);
            if (!string.IsNullOrWhiteSpace(qb) && !TryParseSize(qb!, out qBytes))
            {
                throw Bad(QuarantineBytesVariable, qb!, "expected a byte count such as 268435456, 256m or 1g");
            }

            int qCount = DefaultQuarantineMaxCount;
            string? qc = env(QuarantineCountVariable);
            if (!string.IsNullOrWhiteSpace(qc) && !int.TryParse(qc!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out qCount))
            {
                throw Bad(QuarantineCountVariable, qc!, "expected a non-negative integer up to 2147483647");
            }

            MmapRuntime.Reconfigure(_ => new RuntimeSettings(target, forced, guards), "the environment's target, page size or guard pages");
            MmapRuntime.SetQuarantineBounds(qBytes, qCount);
            MmapRuntime.StackCapture = stacks;
            MmapRuntime.LeakCheckAtExit = leak;
            if (faultReports)
            {
                CheckedMmap.Host.FaultReporter.TryInstall();
            }
        }

        internal static ulong ValidatePageSizeKiB(ulong kib, string setting)
        {
            if (kib == 0 || (kib & (kib - 1)) != 0)
            {
                throw new CheckedMmapConfigurationException(MmapMessages.ForcePageSizeNotPowerOfTwo(setting, kib));
            }

            if (kib > (1UL << 40))
            {
                throw new CheckedMmapConfigurationException(setting + " is too large: " + kib.ToString(CultureInfo.InvariantCulture) + " KiB");
            }

            return kib * 1024;
        }

        private static bool ParseBool(Func<string, string?> env, string name, bool dflt)
        {
            string? v = env(name);
            if (string.IsNullOrWhiteSpace(v))
            {
                return dflt;
            }

            switch (v!.Trim().ToLowerInvariant())
            {
                case "1":
                case "true":
                case "on":
                case "yes":
                    return true;
                case "0":
                case "false":
                case "off":
                case "no":
                    return false;
                default:
                    throw Bad(name, v, "expected 1 or 0 (true/false, on/off, yes/no)");
            }
        }

        private static bool TryParseSize(string text, out ulong bytes)
        {
            bytes = 0;
            string s = text.Trim().ToLowerInvariant();
            int shift = 0;
            if (s.EndsWith("k", StringComparison.Ordinal))
            {
                shift = 10;
            }
            else if (s.EndsWith("m", StringComparison.Ordinal))
            {
                shift = 20;
            }
            else if (s.EndsWith("g", StringComparison.Ordinal))
            {
                shift = 30;
            }

            if (shift != 0)
            {
                s = s.Substring(0, s.Length - 1);
            }

            if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || (shift != 0 && n > (ulong.MaxValue >> shift)))
            {
                return false;
            }

            bytes = n << shift;
            return true;
        }

        private static CheckedMmapConfigurationException Bad(string name, string value, string expected) =>
            new CheckedMmapConfigurationException(string.Format(CultureInfo.InvariantCulture,
                "Invalid value '{0}' for environment variable {1}: {2}.", value, name, expected));
    }
}
