// Every CheckedMmap setting in one table (as ASan's asan_flags.inc): its environment variable, its option, its
// default, its accepted range and its parser. The environment is read once, at the first call; the public options
// class only forwards here. A bad value names the variable (or option) and the accepted range and changes nothing.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using CheckedMmap.Contract;

namespace CheckedMmap.Registry
{
    /// <summary>Every setting's value, parsed and validated, before any of them is applied.</summary>
    internal sealed class SettingValues
    {
        public TargetOS Target = RuntimeConfiguration.HostTarget;
        public ulong ForcedPageSize;
        public bool GuardPages = true;
        public StackCaptureMode Stacks = StackCaptureMode.Methods;
        public int StackDepth = RuntimeConfiguration.DefaultStackDepth;
        public ulong QuarantineMaxBytes = RuntimeConfiguration.DefaultQuarantineMaxBytes;
        public int QuarantineMaxCount = RuntimeConfiguration.DefaultQuarantineMaxCount;
        public int EvictedHistory = RuntimeConfiguration.DefaultEvictedHistory;
        public int MapEntryHeadroom = RuntimeConfiguration.DefaultMapEntryHeadroom;
        public bool LeakCheckAtExit;
        public bool FaultReports = true;
        public string? ReportFile;
    }

    internal static class RuntimeConfiguration
    {
        public const string TargetVariable = "CHECKEDMMAP_TARGET";
        public const string PageSizeVariable = "CHECKEDMMAP_PAGE_SIZE_KIB";
        public const string GuardPagesVariable = "CHECKEDMMAP_GUARD_PAGES";
        public const string StacksVariable = "CHECKEDMMAP_STACKS";
        public const string StackDepthVariable = "CHECKEDMMAP_STACK_DEPTH";
        public const string QuarantineBytesVariable = "CHECKEDMMAP_QUARANTINE_BYTES";
        public const string QuarantineCountVariable = "CHECKEDMMAP_QUARANTINE_COUNT";
        public const string EvictedHistoryVariable = "CHECKEDMMAP_EVICTED_HISTORY";
        public const string MapEntryHeadroomVariable = "CHECKEDMMAP_MAP_ENTRY_HEADROOM";
        public const string LeakCheckAtExitVariable = "CHECKEDMMAP_LEAK_CHECK_AT_EXIT";
        public const string FaultReportsVariable = "CHECKEDMMAP_FAULT_REPORTS";
        public const string ReportFileVariable = "CHECKEDMMAP_REPORT_FILE";

        /// <summary>Quarantined address space: 1 TiB (a freed 300 MiB mapping stays poisoned through thousands of later
        /// frees; inaccessible ranges cost neither memory nor commit). Where address space runs out first, a failing
        /// mmap empties the quarantine and tries again.</summary>
        public const ulong DefaultQuarantineMaxBytes = 1UL << 40;

        /// <summary>Quarantined mappings: bounds the registry's own memory (each keeps its stacks).</summary>
        public const int DefaultQuarantineMaxCount = 8192;

        /// <summary>Evicted mappings remembered for reports (a late double munmap or fault still names them).</summary>
        public const int DefaultEvictedHistory = 4096;

        /// <summary>Map entries (VMAs) left to the .NET runtime and the program under vm.max_map_count.</summary>
        public const int DefaultMapEntryHeadroom = 8192;

        /// <summary>Frames recorded per stack below CheckedMmap's own, between Valgrind's 12 and AddressSanitizer's 30: the
        /// walk costs about 0.1 µs per frame, and a test framework's frames under the test method (about 60 under xunit)
        /// would otherwise be most of every stack's cost.</summary>
        public const int DefaultStackDepth = 16;

        /// <summary>The most frames a stack can be set to record (0 records every frame).</summary>
        public const int MaxStackDepth = 4096;

        /// <summary>The accepted stack depths, as both errors (variable and option) say them.</summary>
        public const string StackDepthRange = "0 (every frame) to 4096";

        /// <summary>The largest page size that can be forced: 1 GiB (getpagesize and sysconf return an int).</summary>
        public const ulong MaxPageSizeKiB = 1UL << 20;

        public const int MaxEvictedHistory = 1 << 20;

        private static readonly object Sync = new object();
        private static volatile bool _loaded;
        private static CheckedMmapConfigurationException? _loadError;

        // Loaded without error: the one check every call (and every getpagesize) pays, so it stays a single read.
        private static volatile bool _ready;

        private sealed class Setting
        {
            public Setting(string variable, string description, Action<SettingValues, string> parse)
            {
                Variable = variable;
                Description = description;
                Parse = parse;
            }

            public string Variable { get; }

            public string Description { get; }

            public Action<SettingValues, string> Parse { get; }
        }

        private static readonly Setting[] Table =
        {
            new Setting(TargetVariable, "linux | macos | freebsd: the emulated target (default: the host OS; Linux on Windows)",
                (v, text) => v.Target = MmapConstants.TryParseTarget(text, out TargetOS t) ? t : throw Bad(TargetVariable, text, "expected linux, macos or freebsd")),
            new Setting(PageSizeVariable, "page size in KiB, a power of two from 1 to 1048576 (like -Zmiri-force-page-size)",
                (v, text) => v.ForcedPageSize = ParsePageSize(text)),
            new Setting(GuardPagesVariable, "1 | 0: guard pages around every mapping while the map-entry budget allows (default 1)",
                (v, text) => v.GuardPages = ParseBool(GuardPagesVariable, text)),
            new Setting(StacksVariable, "none | methods | fileline: stack capture (default methods)",
                (v, text) => v.Stacks = ParseStacks(text)),
            new Setting(StackDepthVariable, "frames recorded per stack below the Mman call, 0 to 4096; 0 records every frame (default 16)",
                (v, text) => v.StackDepth = ParseCount(StackDepthVariable, text, MaxStackDepth, StackDepthRange)),
            new Setting(QuarantineBytesVariable, "address space kept in quarantine, k/m/g/t suffixes allowed (default 1t)",
                (v, text) => v.QuarantineMaxBytes = TryParseSize(text, out ulong b) ? b : throw Bad(QuarantineBytesVariable, text, "expected a byte count such as 268435456, 256m, 1g or 1t")),
            new Setting(QuarantineCountVariable, "mappings kept in quarantine (default 8192)",
                (v, text) => v.QuarantineMaxCount = ParseCount(QuarantineCountVariable, text, int.MaxValue)),
            new Setting(EvictedHistoryVariable, "evicted mappings remembered for reports, 0 to 1048576 (default 4096)",
                (v, text) => v.EvictedHistory = ParseCount(EvictedHistoryVariable, text, MaxEvictedHistory)),
            new Setting(MapEntryHeadroomVariable, "map entries (vm.max_map_count) left to the runtime and the program (default 8192)",
                (v, text) => v.MapEntryHeadroom = ParseCount(MapEntryHeadroomVariable, text, int.MaxValue, MapEntryHeadroomRange) is var n && n <= MaxMapEntryHeadroom
                    ? n
                    : throw Bad(MapEntryHeadroomVariable, text, "expected " + MapEntryHeadroomRange)),
            new Setting(LeakCheckAtExitVariable, "1 | 0: report live mappings at exit and exit with 1 (default 0)",
                (v, text) => v.LeakCheckAtExit = ParseBool(LeakCheckAtExitVariable, text)),
            new Setting(FaultReportsVariable, "1 | 0: report guard-page/quarantine faults, naming the mapping (default 1; Linux x64 and arm64)",
                (v, text) => v.FaultReports = ParseBool(FaultReportsVariable, text)),
            new Setting(ReportFileVariable, "a file to append every report to as one JSON object per line (default: none)",
                (v, text) => v.ReportFile = text.Trim()),
        };

        /// <summary>Every variable with what it does.</summary>
        public static IReadOnlyDictionary<string, string> Variables { get; } = BuildVariables();

        public static TargetOS HostTarget =>
            RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? TargetOS.MacOS
            : RuntimeInformation.IsOSPlatform(OSPlatform.FreeBSD) ? TargetOS.FreeBSD
            : TargetOS.Linux;

        /// <summary>Applies the environment once, at the first call of any entry point; a bad value fails every call.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void EnsureLoaded()
        {
            if (!_ready)
            {
                LoadOrThrow();
            }
        }

        private static void LoadOrThrow()
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
                    _ready = _loadError == null;
                }
            }

            if (_loadError != null)
            {
                throw _loadError;
            }
        }

        /// <summary>Parses every variable first, then applies them all: a bad value changes nothing.</summary>
        public static void ApplyEnvironment(Func<string, string?> getVariable)
        {
            lock (Sync)
            {
                Apply(getVariable);
                _loaded = true;
                _loadError = null;
                _ready = true;
            }
        }

        public static ulong ValidatePageSizeKiB(ulong kib, string setting)
        {
            if (kib == 0 || (kib & (kib - 1)) != 0)
            {
                throw new CheckedMmapConfigurationException(MmapMessages.ForcePageSizeNotPowerOfTwo(setting, kib));
            }

            if (kib > MaxPageSizeKiB)
            {
                throw new CheckedMmapConfigurationException(string.Format(CultureInfo.InvariantCulture,
                    "{0} is out of range: {1} KiB; {2}.", setting, kib, MmapMessages.ForcePageSizeRange));
            }

            return kib * 1024;
        }

        /// <summary>The error for a bad option value: names the option and the accepted range.</summary>
        /// <summary>
        /// The largest map-entry headroom this host accepts: one less than vm.max_map_count, since a headroom of the whole
        /// limit or more leaves the checker nothing at all (int.MaxValue where the host has no limit).
        /// </summary>
        public static int MaxMapEntryHeadroom =>
            Host.HostMemory.Instance.MapEntryLimit == int.MaxValue ? int.MaxValue : Math.Max(0, Host.HostMemory.Instance.MapEntryLimit - 1);

        /// <summary>The accepted headroom, as an error message says it.</summary>
        public static string MapEntryHeadroomRange => Host.HostMemory.Instance.MapEntryLimit == int.MaxValue
            ? "0 to 2147483647"
            : string.Format(CultureInfo.InvariantCulture, "0 to {0} (less than vm.max_map_count, {1})", MaxMapEntryHeadroom, Host.HostMemory.Instance.MapEntryLimit);

        public static CheckedMmapConfigurationException BadOption(string option, object value, string expected) =>
            new CheckedMmapConfigurationException(string.Format(CultureInfo.InvariantCulture,
                "Invalid value '{0}' for CheckedMmapOptions.{1}: expected {2}.", value, option, expected));

        private static void Apply(Func<string, string?> env)
        {
            var values = new SettingValues();
            foreach (Setting s in Table)
            {
                string? text = env(s.Variable);
                if (!string.IsNullOrWhiteSpace(text))
                {
                    s.Parse(values, text!);
                }
            }

            MmapRuntime.Apply(values);
        }

        private static IReadOnlyDictionary<string, string> BuildVariables()
        {
            var d = new Dictionary<string, string>();
            foreach (Setting s in Table)
            {
                d.Add(s.Variable, s.Description);
            }

            return d;
        }

        private static ulong ParsePageSize(string text)
        {
            if (!ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong kib))
            {
                throw new CheckedMmapConfigurationException(MmapMessages.ForcePageSizeNotNumber(PageSizeVariable, text));
            }

            return ValidatePageSizeKiB(kib, PageSizeVariable);
        }

        /// <summary>A count from 0 to <paramref name="max"/>; the error names the variable and <paramref name="range"/>, the same
        /// words as the option's error (default "0 to max").</summary>
        private static int ParseCount(string name, string text, int max, string? range = null)
        {
            if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n > max)
            {
                throw Bad(name, text, "expected " + (range ?? "0 to " + max.ToString(CultureInfo.InvariantCulture)));
            }

            return n;
        }

        private static StackCaptureMode ParseStacks(string text)
        {
            switch (text.Trim().ToLowerInvariant())
            {
                case "none":
                case "off":
                case "0":
                    return StackCaptureMode.None;
                case "methods":
                case "method":
                case "on":
                case "1":
                    return StackCaptureMode.Methods;
                case "fileline":
                case "file":
                case "methodswithfileline":
                case "2":
                    return StackCaptureMode.MethodsWithFileLine;
                default:
                    throw Bad(StacksVariable, text, "expected none, methods or fileline");
            }
        }

        private static bool ParseBool(string name, string text)
        {
            switch (text.Trim().ToLowerInvariant())
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
                    throw Bad(name, text, "expected 1 or 0 (true/false, on/off, yes/no)");
            }
        }

        private static bool TryParseSize(string text, out ulong bytes)
        {
            bytes = 0;
            string s = text.Trim().ToLowerInvariant();
            int shift = s.EndsWith("k", StringComparison.Ordinal) ? 10
                : s.EndsWith("m", StringComparison.Ordinal) ? 20
                : s.EndsWith("g", StringComparison.Ordinal) ? 30
                : s.EndsWith("t", StringComparison.Ordinal) ? 40
                : 0;
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
