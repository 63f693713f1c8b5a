// Targets, page sizes (S1-S3, forced sizes), settings, environment parsing and the refusal to change layout
// while mappings are live. These change global options: they run alone and restore the defaults.
using System;
using System.Collections.Generic;
using System.IO;
using CheckedMmap.Contract;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

[Collection(GlobalOptionsCollection.Name)]
public sealed unsafe class ConfigurationTests : IDisposable
{
    public ConfigurationTests()
    {
        CheckedMmapOptions.ResetToDefaults();
        Assert.Equal(0, MmapTracker.LiveCount); // the whole suite cleans up after itself
    }

    public void Dispose() => CheckedMmapOptions.ResetToDefaults();

    private static bool HostIsArm64 => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64;

    [Fact]
    public void S1_default_page_size_is_4KiB_and_sysconf_returns_it()
    {
        Assert.Equal(TargetOperatingSystem.Linux, CheckedMmapOptions.Target);
        Assert.Equal((nuint)4096, Mman.PageSize);
        Assert.Equal(4096L, Mman.sysconf(Mman._SC_PAGESIZE));
        Assert.Equal(30, Mman._SC_PAGESIZE);
        Assert.Equal(4096, Mman.getpagesize());
        Assert.False(CheckedMmapOptions.IsPageSizeForced);
        var e = Assert.Throws<UnsupportedMmapException>(() => Mman.sysconf(84));
        Assert.Equal("unimplemented sysconf name: 84", e.MiriMessage);
    }

    [Fact]
    public void S1_default_page_size_is_16KiB_for_apple_arm64_only()
    {
        Assert.Equal(16384UL, MmapConstants.DefaultPageSize(TargetOS.MacOS, arm64: true));
        Assert.Equal(4096UL, MmapConstants.DefaultPageSize(TargetOS.MacOS, arm64: false));
        Assert.Equal(4096UL, MmapConstants.DefaultPageSize(TargetOS.Linux, arm64: true));
        CheckedMmapOptions.Target = TargetOperatingSystem.MacOS;
        Assert.Equal(HostIsArm64 ? 16384UL : 4096UL, CheckedMmapOptions.PageSize);
    }

    [Fact]
    public void S2_forced_page_size_8KiB()
    {
        CheckedMmapOptions.ForcePageSizeKiB(8);
        Assert.Equal((nuint)8192, Mman.PageSize);
        Assert.Equal(8192L, Mman.sysconf(Mman._SC_PAGESIZE));
        nint p = Mman.mmap(0, 4096, RW, PA, -1, 0);
        Assert.Equal(0UL, (ulong)p % 8192);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Assert.Equal((nuint)8192, m.Size);
        ((byte*)p)[8191] = 1;
        Errno.Poison();
        Assert.Equal(-1, Mman.munmap(p + 4096, 4096)); // 4 KiB-aligned is not aligned any more
        Errno.AssertIs(Mman.EINVAL);
        Assert.Equal(0, Mman.munmap(p, 4096)); // rounds to 8192
    }

    [Fact]
    public void S2_forced_page_size_shows_in_layout_messages()
    {
        CheckedMmapOptions.ForcePageSizeKiB(16);
        nint p = Mman.mmap(0, 3 * 16384, RW, PA, -1, 0);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, 1));
        Assert.Equal($"incorrect layout on deallocation: {m.Name} has size 49152 and alignment 16384, but gave size 16384 and alignment 16384", e.MiriMessage);
        Assert.Equal(0, Mman.munmap(p, 3 * 16384));
    }

    [Fact]
    public void S2_forced_page_size_64KiB_aligns_mappings()
    {
        CheckedMmapOptions.ForcePageSizeKiB(64);
        var ptrs = new List<nint>();
        for (int i = 0; i < 5; i++)
        {
            nint p = Mman.mmap(0, 100, RW, PA, -1, 0);
            Assert.Equal(0UL, (ulong)p % 65536);
            ((byte*)p)[65535] = 1;
            ptrs.Add(p);
        }

        foreach (nint p in ptrs)
        {
            Assert.Equal(0, Mman.munmap(p, 65536));
        }
    }

    [Fact]
    public void S2_forced_page_size_smaller_than_the_host_page()
    {
        CheckedMmapOptions.ForcePageSizeKiB(1);
        nint p = Mman.mmap(0, 1000, RW, PA, -1, 0);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Assert.Equal((nuint)1024, m.Size);
        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, 4096));
        Assert.Equal($"incorrect layout on deallocation: {m.Name} has size 1024 and alignment 1024, but gave size 4096 and alignment 1024", e.MiriMessage);
        Assert.Equal(0, Mman.munmap(p, 1024));
    }

    [Fact]
    public void S3_page_size_is_a_multiple_of_4096_by_default()
    {
        Assert.Equal(0L, Mman.sysconf(Mman._SC_PAGESIZE) % 4096);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(3UL)]
    [InlineData(12UL)]
    public void Forced_page_size_must_be_a_nonzero_power_of_two(ulong kib)
    {
        var e = Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.ForcePageSizeKiB(kib));
        Assert.Equal($"ForcePageSizeKiB requires a power of 2: {kib}; expected a power of two from 1 to 1048576 KiB (1 GiB)", e.Message);
        Assert.Equal(4096UL, CheckedMmapOptions.PageSize);
    }

    [Fact]
    public void MacOS_target_uses_MAP_ANON_0x1000_and_has_no_mremap()
    {
        CheckedMmapOptions.Target = TargetOperatingSystem.MacOS;
        Assert.Equal(0x1000, Mman.MAP_ANONYMOUS);
        Assert.Equal(0x1000, Mman.MAP_ANON);
        Assert.Equal(0x40, Mman.MAP_NORESERVE);
        Assert.Equal(0x800, Mman.MAP_JIT);
        Assert.Equal(29, Mman._SC_PAGESIZE);
        Assert.Equal(5, Mman.MADV_FREE);

        nint p = Mman.mmap(0, 4096, RW, Mman.MAP_PRIVATE | 0x1000, -1, 0);
        Assert.NotEqual(Mman.MAP_FAILED, p);
        // Linux's MAP_ANONYMOUS is MAP_RENAME on macOS
        var flags = Unsupported(Messages.Flags, () => Mman.mmap(0, 4096, RW, Mman.MAP_PRIVATE | 0x20, -1, 0));
        Assert.Contains("MAP_PRIVATE|MAP_RENAME", flags.Operation);
        Unsupported(Messages.Flags, () => Mman.mmap(0, 4096, RW, Mman.MAP_PRIVATE | 0x1000 | Mman.MAP_JIT, -1, 0));
        Unsupported("CheckedMmap does not support mremap on this target: Miri provides mremap for Linux targets only",
            () => Mman.mremap(p, 4096, 8192, Mman.MREMAP_MAYMOVE));
        var missing = Assert.Throws<UnsupportedMmapException>(() => Mman.MAP_POPULATE);
        Assert.Equal("MAP_POPULATE is not defined on the emulated target (MacOS)", missing.MiriMessage);
        Assert.Equal(0, Mman.munmap(p, 4096));
    }

    [Fact]
    public void FreeBSD_target_uses_MAP_ANON_0x1000()
    {
        CheckedMmapOptions.Target = TargetOperatingSystem.FreeBSD;
        Assert.Equal(0x1000, Mman.MAP_ANON);
        Assert.Equal(0x400, Mman.MAP_STACK);
        Assert.Equal(47, Mman._SC_PAGESIZE);
        Assert.Equal(4096L, Mman.sysconf(47));
        nint p = Mman.mmap(0, 4096, RW, Mman.MAP_PRIVATE | Mman.MAP_ANON, -1, 0);
        Unsupported(Messages.Flags, () => Mman.mmap(0, 4096, RW, Mman.MAP_PRIVATE | Mman.MAP_ANON | Mman.MAP_STACK, -1, 0));
        Assert.Throws<UnsupportedMmapException>(() => Mman.mremap(p, 4096, 8192, Mman.MREMAP_MAYMOVE));
        Assert.Equal(0, Mman.munmap(p, 4096));
    }

    [Fact]
    public void Layout_changes_are_refused_while_mappings_are_live()
    {
        nint p = Map(4096);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        var e = Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.Target = TargetOperatingSystem.MacOS);
        Assert.Equal($"CheckedMmap cannot change the emulated target while 1 mapping(s) are live ({m.Name}); munmap them first (MmapTracker.LiveMappings() lists them).", e.Message);
        Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.ForcePageSizeKiB(8));
        Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.GuardPages = false);
        Assert.Equal(TargetOperatingSystem.Linux, CheckedMmapOptions.Target);
        Assert.Equal(4096UL, CheckedMmapOptions.PageSize);
        Assert.True(CheckedMmapOptions.GuardPages);
        // non-layout settings may change at any time; setting the same layout is fine
        CheckedMmapOptions.StackCapture = StackCaptureMode.None;
        CheckedMmapOptions.Target = TargetOperatingSystem.Linux;
        Unmap(p, 4096);
        CheckedMmapOptions.Target = TargetOperatingSystem.MacOS;
        Assert.Equal(TargetOperatingSystem.MacOS, CheckedMmapOptions.Target);
    }

    [Fact]
    public void Environment_variables_are_parsed()
    {
        var env = new Dictionary<string, string>
        {
            [CheckedMmapOptions.TargetVariable] = "FreeBSD",
            [CheckedMmapOptions.PageSizeVariable] = "8",
            [CheckedMmapOptions.GuardPagesVariable] = "off",
            [CheckedMmapOptions.StacksVariable] = "fileline",
            [CheckedMmapOptions.StackDepthVariable] = "0",
            [CheckedMmapOptions.QuarantineBytesVariable] = "16m",
            [CheckedMmapOptions.QuarantineCountVariable] = "100",
            [CheckedMmapOptions.LeakCheckAtExitVariable] = "yes",
        };
        CheckedMmapOptions.ApplyEnvironment(n => env.TryGetValue(n, out string? v) ? v : null);
        Assert.Equal(TargetOperatingSystem.FreeBSD, CheckedMmapOptions.Target);
        Assert.Equal(8192UL, CheckedMmapOptions.PageSize);
        Assert.True(CheckedMmapOptions.IsPageSizeForced);
        Assert.False(CheckedMmapOptions.GuardPages);
        Assert.Equal(StackCaptureMode.MethodsWithFileLine, CheckedMmapOptions.StackCapture);
        Assert.Equal(0, CheckedMmapOptions.StackDepth);
        Assert.Equal(16UL << 20, CheckedMmapOptions.QuarantineMaxBytes);
        Assert.Equal(100, CheckedMmapOptions.QuarantineMaxCount);
        Assert.True(CheckedMmapOptions.LeakCheckAtExit);
        CheckedMmapOptions.LeakCheckAtExit = false;

        CheckedMmapOptions.ApplyEnvironment(_ => null);
        Assert.Equal((TargetOperatingSystem)CheckedMmapOptions.HostTarget, CheckedMmapOptions.Target); // no variable: the host OS
        Assert.Equal(4096UL, CheckedMmapOptions.PageSize);
        Assert.True(CheckedMmapOptions.GuardPages);
        Assert.Equal(StackCaptureMode.Methods, CheckedMmapOptions.StackCapture);
        Assert.Equal(CheckedMmapOptions.DefaultStackDepth, CheckedMmapOptions.StackDepth);
        Assert.Equal(CheckedMmapOptions.DefaultQuarantineMaxBytes, CheckedMmapOptions.QuarantineMaxBytes);
        Assert.Equal(CheckedMmapOptions.DefaultQuarantineMaxCount, CheckedMmapOptions.QuarantineMaxCount);
    }

    [Theory]
    [InlineData("CHECKEDMMAP_TARGET", "windows", "Invalid value 'windows' for environment variable CHECKEDMMAP_TARGET: expected linux, macos or freebsd.")]
    [InlineData("CHECKEDMMAP_PAGE_SIZE_KIB", "4k", "CHECKEDMMAP_PAGE_SIZE_KIB requires a `u64` (a page size in KiB): '4k'; expected a power of two from 1 to 1048576 KiB (1 GiB)")]
    [InlineData("CHECKEDMMAP_PAGE_SIZE_KIB", "0", "CHECKEDMMAP_PAGE_SIZE_KIB requires a power of 2: 0; expected a power of two from 1 to 1048576 KiB (1 GiB)")]
    [InlineData("CHECKEDMMAP_PAGE_SIZE_KIB", "6", "CHECKEDMMAP_PAGE_SIZE_KIB requires a power of 2: 6; expected a power of two from 1 to 1048576 KiB (1 GiB)")]
    [InlineData("CHECKEDMMAP_GUARD_PAGES", "maybe", "Invalid value 'maybe' for environment variable CHECKEDMMAP_GUARD_PAGES: expected 1 or 0 (true/false, on/off, yes/no).")]
    [InlineData("CHECKEDMMAP_STACKS", "all", "Invalid value 'all' for environment variable CHECKEDMMAP_STACKS: expected none, methods or fileline.")]
    [InlineData("CHECKEDMMAP_STACK_DEPTH", "4097", "Invalid value '4097' for environment variable CHECKEDMMAP_STACK_DEPTH: expected 0 (every frame) to 4096.")]
    [InlineData("CHECKEDMMAP_STACK_DEPTH", "-1", "Invalid value '-1' for environment variable CHECKEDMMAP_STACK_DEPTH: expected 0 (every frame) to 4096.")]
    [InlineData("CHECKEDMMAP_QUARANTINE_BYTES", "-1", "Invalid value '-1' for environment variable CHECKEDMMAP_QUARANTINE_BYTES: expected a byte count such as 268435456, 256m, 1g or 1t.")]
    [InlineData("CHECKEDMMAP_QUARANTINE_BYTES", "99999999999999999999g", "Invalid value '99999999999999999999g' for environment variable CHECKEDMMAP_QUARANTINE_BYTES: expected a byte count such as 268435456, 256m, 1g or 1t.")]
    [InlineData("CHECKEDMMAP_PAGE_SIZE_KIB", "2097152", "CHECKEDMMAP_PAGE_SIZE_KIB is out of range: 2097152 KiB; expected a power of two from 1 to 1048576 KiB (1 GiB).")]
    [InlineData("CHECKEDMMAP_PAGE_SIZE_KIB", "1099511627776", "CHECKEDMMAP_PAGE_SIZE_KIB is out of range: 1099511627776 KiB; expected a power of two from 1 to 1048576 KiB (1 GiB).")]
    [InlineData("CHECKEDMMAP_EVICTED_HISTORY", "2000000", "Invalid value '2000000' for environment variable CHECKEDMMAP_EVICTED_HISTORY: expected 0 to 1048576.")]
    [InlineData("CHECKEDMMAP_QUARANTINE_COUNT", "lots", "Invalid value 'lots' for environment variable CHECKEDMMAP_QUARANTINE_COUNT: expected 0 to 2147483647.")]
    [InlineData("CHECKEDMMAP_LEAK_CHECK_AT_EXIT", "2", "Invalid value '2' for environment variable CHECKEDMMAP_LEAK_CHECK_AT_EXIT: expected 1 or 0 (true/false, on/off, yes/no).")]
    public void Bad_environment_values_are_refused_naming_the_variable_and_change_nothing(string name, string value, string expected)
    {
        CheckedMmapOptions.StackCapture = StackCaptureMode.None;
        var e = Assert.Throws<CheckedMmapConfigurationException>(() =>
            CheckedMmapOptions.ApplyEnvironment(n => n == name ? value : n == CheckedMmapOptions.TargetVariable ? "macos" : null));
        Assert.Equal(expected, e.Message);
        Assert.Equal(TargetOperatingSystem.Linux, CheckedMmapOptions.Target);
        Assert.Equal(StackCaptureMode.None, CheckedMmapOptions.StackCapture);
    }

    /// <summary>The headroom this host accepts: less than vm.max_map_count, which the checker would otherwise not get
    /// a single entry of (every guard page and quarantined range would silently go).</summary>
    private static string HeadroomRange()
    {
        int limit = MmapTracker.Statistics.MapEntryLimit;
        return limit == int.MaxValue
            ? "0 to 2147483647"
            : $"0 to {limit - 1} (less than vm.max_map_count, {limit})";
    }

    [Fact]
    public void A_headroom_of_the_whole_map_entry_limit_is_refused()
    {
        int limit = MmapTracker.Statistics.MapEntryLimit;
        if (limit == int.MaxValue)
        {
            return; // no kernel limit on this host: every non-negative headroom is accepted
        }

        string tooMany = (limit + 34_470).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var fromEnvironment = Assert.Throws<CheckedMmapConfigurationException>(() =>
            CheckedMmapOptions.ApplyEnvironment(n => n == CheckedMmapOptions.MapEntryHeadroomVariable ? tooMany : null));
        Assert.Equal($"Invalid value '{tooMany}' for environment variable CHECKEDMMAP_MAP_ENTRY_HEADROOM: expected {HeadroomRange()}.", fromEnvironment.Message);
        var negative = Assert.Throws<CheckedMmapConfigurationException>(() =>
            CheckedMmapOptions.ApplyEnvironment(n => n == CheckedMmapOptions.MapEntryHeadroomVariable ? "-5" : null));
        Assert.Equal($"Invalid value '-5' for environment variable CHECKEDMMAP_MAP_ENTRY_HEADROOM: expected {HeadroomRange()}.", negative.Message);
        var fromOption = Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.MapEntryHeadroom = limit);
        Assert.Equal($"Invalid value '{limit}' for CheckedMmapOptions.MapEntryHeadroom: expected {HeadroomRange()}.", fromOption.Message);
        Assert.Equal(CheckedMmapOptions.DefaultMapEntryHeadroom, CheckedMmapOptions.MapEntryHeadroom);

        CheckedMmapOptions.MapEntryHeadroom = limit - 1; // the largest accepted
        Assert.Equal(limit - 1, CheckedMmapOptions.MapEntryHeadroom);
        CheckedMmapOptions.MapEntryHeadroom = CheckedMmapOptions.DefaultMapEntryHeadroom;
    }

    [Fact]
    public void Bad_option_values_are_refused_naming_the_option_and_the_range()
    {
        Assert.Equal("ForcePageSizeKiB is out of range: 2097152 KiB; expected a power of two from 1 to 1048576 KiB (1 GiB).",
            Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.ForcePageSizeKiB(1 << 21)).Message);
        Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.ForcePageSizeKiB(1UL << 40)); // 1 PiB
        Assert.Equal("Invalid value '-1' for CheckedMmapOptions.QuarantineMaxCount: expected 0 to 2147483647.",
            Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.QuarantineMaxCount = -1).Message);
        Assert.Equal("Invalid value '1048577' for CheckedMmapOptions.EvictedHistory: expected 0 to 1048576.",
            Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.EvictedHistory = 1048577).Message);
        Assert.Equal("Invalid value '-1' for CheckedMmapOptions.MapEntryHeadroom: expected " + HeadroomRange() + ".",
            Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.MapEntryHeadroom = -1).Message);
        Assert.Equal("Invalid value '7' for CheckedMmapOptions.Target: expected Linux, MacOS or FreeBSD.",
            Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.Target = (TargetOperatingSystem)7).Message);
        Assert.Equal("Invalid value '9' for CheckedMmapOptions.StackCapture: expected None, Methods or MethodsWithFileLine.",
            Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.StackCapture = (StackCaptureMode)9).Message);
        Assert.Equal("Invalid value '4097' for CheckedMmapOptions.StackDepth: expected 0 (every frame) to 4096.",
            Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.StackDepth = 4097).Message);
        Assert.Throws<CheckedMmapConfigurationException>(() => CheckedMmapOptions.StackDepth = -1);
        Assert.Equal(4096UL, CheckedMmapOptions.PageSize);
        Assert.Equal(CheckedMmapOptions.DefaultQuarantineMaxCount, CheckedMmapOptions.QuarantineMaxCount);
        Assert.Equal(CheckedMmapOptions.DefaultStackDepth, CheckedMmapOptions.StackDepth);
    }

    [Fact]
    public void The_largest_forced_page_size_still_answers_getpagesize()
    {
        CheckedMmapOptions.ForcePageSizeKiB(1 << 20);
        Assert.Equal(1 << 30, Mman.getpagesize());
        nint p = Map(4096);
        Assert.Equal(0, p % (1 << 30));
        Unmap(p, 4096);
    }

    [Fact]
    public void A_null_element_of_a_leak_report_names_the_parameter()
    {
        var e = Assert.Throws<ArgumentException>(() => MmapTracker.FormatLeakReport(new MappingInfo[] { null! }));
        Assert.Equal("mappings", e.ParamName);
        Assert.StartsWith("Element 0 is null.", e.Message);
    }

    [Fact]
    public void Reports_made_while_a_flow_expects_them_are_marked_expected_in_the_report_file_and_others_are_not()
    {
        string file = Path.Combine(Path.GetTempPath(), "checkedmmap-expected-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            CheckedMmapOptions.ReportFile = file;
            nint p = Map(8192);
            using (MmapTracker.ExpectReports())
            {
                Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, 4096));
                // The scope follows the flow into the threads it starts.
                var worker = new System.Threading.Thread(() => Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p + 4096, 4096)));
                worker.Start();
                worker.Join();
            }

            Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, 12288));
            IDisposable ended = MmapTracker.ExpectReports();
            ended.Dispose();
            ended.Dispose(); // a second end does nothing
            Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, 2 * 8192));
            Unmap(p, 8192);

            List<CheckedMmap.Testing.ReportFileRecord> records = CheckedMmap.Testing.ReportFileRecords.Read(file);
            Assert.Equal(new[] { true, true, false, false }, records.ConvertAll(r => r.Expected));
            Assert.Equal(new[] { false, false, true, true }, records.ConvertAll(r => r.MustFailItsTest));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_environment_variable_is_listed()
    {
        Assert.Equal(
            new[] { "CHECKEDMMAP_EVICTED_HISTORY", "CHECKEDMMAP_FAULT_REPORTS", "CHECKEDMMAP_GUARD_PAGES", "CHECKEDMMAP_LEAK_CHECK_AT_EXIT", "CHECKEDMMAP_MAP_ENTRY_HEADROOM", "CHECKEDMMAP_PAGE_SIZE_KIB", "CHECKEDMMAP_QUARANTINE_BYTES", "CHECKEDMMAP_QUARANTINE_COUNT", "CHECKEDMMAP_REPORT_FILE", "CHECKEDMMAP_STACK_DEPTH", "CHECKEDMMAP_STACKS", "CHECKEDMMAP_TARGET" },
            new SortedSet<string>(CheckedMmapOptions.EnvironmentVariables.Keys));
    }

    [Fact]
    public void Stack_capture_modes()
    {
        CheckedMmapOptions.StackCapture = StackCaptureMode.None;
        nint a = Map(4096);
        MappingInfo ma = MmapTracker.FindMapping(a)!;
        Assert.Null(ma.CreationStackTrace);
        Assert.Contains("capture is off", ma.CreationStack);
        Unmap(a, 4096);

        CheckedMmapOptions.StackCapture = StackCaptureMode.MethodsWithFileLine;
        Errno.Poison();
        nint b = Map(4096);
        Errno.AssertUntouched(); // even when the capture reads PDBs
        MappingInfo mb = MmapTracker.FindMapping(b)!;
        Assert.Contains(nameof(Stack_capture_modes), mb.CreationStack);
        Assert.Contains("ConfigurationTests.cs:line ", mb.CreationStack);
        Errno.Poison();
        Unmap(b, 4096);
        Errno.AssertUntouched();
        Assert.Contains("ConfigurationTests.cs:line ", mb.DestructionStack);

        CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
        nint c = Map(4096);
        MappingInfo mc = MmapTracker.FindMapping(c)!;
        Assert.Contains("ConfigurationTests.Stack_capture_modes()", mc.CreationStack);
        // The first line is the call site (file:line from caller-info, free); the frames were captured without file
        // information (cheap) and get their file:line from the PDB when the report is rendered.
        Assert.StartsWith("    " + mc.CreationCallSite, mc.CreationStack, StringComparison.Ordinal);
        Assert.Null(mc.CreationStackTrace!.GetFrame(0)!.GetFileName());
        Assert.Contains("ConfigurationTests.Stack_capture_modes() in ", mc.CreationStack!.Substring(mc.CreationStack.IndexOf('\n') + 1));
        Assert.Contains("ConfigurationTests.cs:line ", mc.CreationStack.Substring(mc.CreationStack.IndexOf('\n') + 1));
        Assert.DoesNotContain("MmapRuntime", mc.CreationStack);
        Unmap(c, 4096);
        // The default mode takes the destruction stack too (methods only), after the call site.
        Assert.NotNull(mc.DestructionStackTrace);
        Assert.StartsWith("    " + mc.DestructionCallSite, mc.DestructionStack, StringComparison.Ordinal);
        Assert.Contains("ConfigurationTests.Stack_capture_modes()", mc.DestructionStack);
        Assert.Contains("frames of CheckedMmap, the runtime or a test framework not shown; the stack goes on past the 16 frames recorded after the Mman call)", mc.DestructionStack);
        Assert.DoesNotContain("Xunit", mc.DestructionStack);
    }

    [Fact]
    public void Guard_pages_off_still_maps_and_unmaps()
    {
        CheckedMmapOptions.GuardPages = false;
        var ptrs = new List<nint>();
        for (int i = 0; i < 10; i++)
        {
            nint p = Map(4096);
            Fill(p, 4096, (byte)i);
            ptrs.Add(p);
        }

        for (int i = 0; i < 10; i++)
        {
            Assert.True(All(ptrs[i], 4096, (byte)i));
            Unmap(ptrs[i], 4096);
        }
    }

    [Fact]
    public void Report_writer_defaults_to_the_process_standard_error_and_can_be_replaced()
    {
        // The process's own stream, not Console.Error, which test frameworks replace (see the child-process tests).
        Assert.Same(CheckedMmap.Reports.ProcessStandardError.Writer, CheckedMmapOptions.ReportWriter);
        Assert.NotSame(Console.Error, CheckedMmapOptions.ReportWriter);
        var w = new StringWriter();
        CheckedMmapOptions.ReportWriter = w;
        Assert.Same(w, CheckedMmapOptions.ReportWriter);
        Assert.Throws<ArgumentNullException>(() => CheckedMmapOptions.ReportWriter = null!);
    }
}
