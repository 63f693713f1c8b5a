using System;
using System.Runtime.CompilerServices;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

/// <summary>
/// Every mapping records where it was destroyed (and, when mremap made it, created) through the caller-info parameters,
/// whatever the capture mode; stacks follow the mode: creation and destruction by default (methods only), both with
/// file:line, none when off.
/// </summary>
[Collection(GlobalOptionsCollection.Name)]
public sealed unsafe class CallSiteTests : IDisposable
{
    public CallSiteTests()
    {
        CheckedMmapOptions.ResetToDefaults();
        Assert.Equal(0, MmapTracker.LiveCount);
    }

    public void Dispose() => CheckedMmapOptions.ResetToDefaults();

    private static int Line([CallerLineNumber] int line = 0) => line;

    private static void AssertSite(CallSite? site, string function, int line, string member)
    {
        Assert.NotNull(site);
        Assert.Equal(function, site!.Function);
        Assert.Equal(line, site.Line);
        Assert.Equal(member, site.Member);
        Assert.EndsWith("CallSiteTests.cs", site.FilePath, StringComparison.Ordinal);
        Assert.Equal($"{function} called at {site.FilePath}:line {line} (in {member})", site.ToString());
    }

    [Fact]
    public void An_exceptions_stack_starts_at_the_users_call()
    {
        // Test runners show Exception.StackTrace, and place the error at its first frame with a file: CheckedMmap's frames
        // are hidden from it (the report itself still shows the Mman call).
        nint p = Map(P);
        Unmap(p, P);
        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, P));
        string first = e.StackTrace!.Split('\n')[0];
        Assert.Contains(nameof(CallSiteTests), first, StringComparison.Ordinal);
        Assert.DoesNotContain("CheckedMmap.Mman", e.StackTrace, StringComparison.Ordinal);
        Assert.DoesNotContain("MmapRuntime", e.StackTrace, StringComparison.Ordinal);
        Assert.Contains("at CheckedMmap.Mman.munmap(", e.Message, StringComparison.Ordinal);

        using MmapLeakScope scope = MmapTracker.BeginLeakScope();
        nint leaked = Map(P);
        var leak = Assert.Throws<MmapLeakException>(() => scope.AssertNoLeaks());
        Unmap(leaked, P);
        Assert.Contains(nameof(CallSiteTests), leak.StackTrace!.Split('\n')[0], StringComparison.Ordinal);
        Assert.DoesNotContain("CheckedMmap.Mmap", leak.StackTrace, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StackCaptureMode.None)]
    [InlineData(StackCaptureMode.Methods)]
    [InlineData(StackCaptureMode.MethodsWithFileLine)]
    public void Munmap_records_its_call_site_in_every_mode(StackCaptureMode mode)
    {
        CheckedMmapOptions.StackCapture = mode;
        nint p = Map(P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        // mmap records its call site too: the test helper M.Map that called it.
        Assert.NotNull(m.CreationCallSite);
        Assert.Equal("mmap", m.CreationCallSite!.Function);
        Assert.Equal(nameof(M.Map), m.CreationCallSite.Member);
        Assert.EndsWith("TestSupport.cs", m.CreationCallSite.FilePath, StringComparison.Ordinal);
        Assert.StartsWith("    " + m.CreationCallSite, m.CreationStack, StringComparison.Ordinal);
        Assert.Null(m.DestructionCallSite);
        Errno.Poison();
        int rc = Mman.munmap(p, P); int line = Line();
        Errno.AssertUntouched();
        Assert.Equal(0, rc);

        AssertSite(m.DestructionCallSite, "munmap", line, nameof(Munmap_records_its_call_site_in_every_mode));
        string destroyed = m.DestructionStack!;
        Assert.StartsWith("    " + m.DestructionCallSite, destroyed, StringComparison.Ordinal);
        Assert.Contains(m.DestructionCallSite!.ToString(), m.Describe());
        Assert.Contains($"{m.Name} was destroyed by munmap on thread", m.Describe());

        // Stacks: creation and destruction in every mode but None; file:line in the frames only with MethodsWithFileLine.
        Assert.Equal(mode != StackCaptureMode.None, m.CreationStackTrace != null);
        Assert.Equal(mode != StackCaptureMode.None, m.DestructionStackTrace != null);
        if (mode == StackCaptureMode.MethodsWithFileLine)
        {
            Assert.Contains($"CallSiteTests.cs:line {line}", destroyed.Substring(destroyed.IndexOf('#', StringComparison.Ordinal)));
        }
        else if (mode == StackCaptureMode.Methods)
        {
            Assert.Contains($"#1 at CheckedMmap.Tests.CallSiteTests.{nameof(Munmap_records_its_call_site_in_every_mode)}(StackCaptureMode mode)", destroyed);
        }
        else
        {
            Assert.Contains("(no stack: capture is off", destroyed);
        }
    }

    [Theory]
    [InlineData(StackCaptureMode.None)]
    [InlineData(StackCaptureMode.Methods)]
    [InlineData(StackCaptureMode.MethodsWithFileLine)]
    public void Mremap_records_the_new_mappings_creation_and_the_old_ones_destruction(StackCaptureMode mode)
    {
        CheckedMmapOptions.StackCapture = mode;
        nint p = Map(P);
        MappingInfo old = MmapTracker.FindMapping(p)!;
        Errno.Poison();
        nint q = Mman.mremap(p, P, 2 * P, Mman.MREMAP_MAYMOVE); int line = Line();
        Errno.AssertUntouched();
        Assert.NotEqual(Mman.MAP_FAILED, q);
        MappingInfo fresh = MmapTracker.FindMapping(q)!;
        string member = nameof(Mremap_records_the_new_mappings_creation_and_the_old_ones_destruction);
        AssertSite(old.DestructionCallSite, "mremap", line, member);
        AssertSite(fresh.CreationCallSite, "mremap", line, member);
        Assert.StartsWith("    " + fresh.CreationCallSite, fresh.CreationStack, StringComparison.Ordinal);
        Assert.Equal(mode != StackCaptureMode.None, fresh.CreationStackTrace != null);
        Assert.Equal(mode != StackCaptureMode.None, old.DestructionStackTrace != null); // the same walk as the creation stack
        if (mode == StackCaptureMode.None)
        {
            Assert.Contains("capture is off", fresh.CreationStack);
        }
        else
        {
            Assert.Contains(member, fresh.CreationStack.Substring(fresh.CreationStack.IndexOf('#', StringComparison.Ordinal)));
        }

        Assert.Equal(0, Mman.munmap(q, 2 * P));
    }

    [Fact]
    public void Ub_report_names_where_the_mapping_was_destroyed_by_default()
    {
        Assert.Equal(StackCaptureMode.Methods, CheckedMmapOptions.StackCapture);
        nint p = Map(2 * P);
        Assert.Equal(0, Mman.munmap(p, 2 * P)); int line = Line();
        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, 2 * P));
        Assert.Equal(UndefinedBehaviorKind.Freed, e.Kind);
        string report = e.Report;
        Assert.Contains($"{e.Mapping!.Name} was created by mmap on thread", report);
        Assert.Contains(nameof(Ub_report_names_where_the_mapping_was_destroyed_by_default), report); // the creation stack
        Assert.Contains($"{e.Mapping.Name} was destroyed by munmap on {ThisThread} here:{Environment.NewLine}    munmap called at ", report);
        // and, by default, the destroying call's stack after its call site
        string destruction = report.Substring(report.IndexOf("was destroyed by munmap", StringComparison.Ordinal));
        Assert.Contains($"#1 at CheckedMmap.Tests.CallSiteTests.{nameof(Ub_report_names_where_the_mapping_was_destroyed_by_default)}()", destruction);
        Assert.Contains($"CallSiteTests.cs:line {line} (in {nameof(Ub_report_names_where_the_mapping_was_destroyed_by_default)})", report);
    }

    [Fact]
    public void Void_pointer_forms_record_the_call_site_and_a_null_fifth_mremap_argument_still_binds()
    {
        void* p = Mman.mmap(null, P, RW, PA, -1, 0);
        void* q = Mman.mremap(p, P, 3 * P, Mman.MREMAP_MAYMOVE, null); int line = Line();
        Assert.True(q != Mman.MAP_FAILED_POINTER);
        AssertSite(MmapTracker.FindMapping((nint)q)!.CreationCallSite, "mremap", line,
            nameof(Void_pointer_forms_record_the_call_site_and_a_null_fifth_mremap_argument_still_binds));
        void* r = Mman.mremap(q, 3 * P, P, Mman.MREMAP_MAYMOVE); line = Line();
        AssertSite(MmapTracker.FindMapping((nint)r)!.CreationCallSite, "mremap", line,
            nameof(Void_pointer_forms_record_the_call_site_and_a_null_fifth_mremap_argument_still_binds));
        Assert.Equal(0, Mman.mprotect(r, P, RW));
        Assert.Equal(0, Mman.madvise(r, P, Mman.MADV_WILLNEED));
        Assert.Equal(0, Mman.munmap(r, P)); line = Line();
        AssertSite(MmapTracker.FindMapping((nint)r)!.DestructionCallSite, "munmap", line,
            nameof(Void_pointer_forms_record_the_call_site_and_a_null_fifth_mremap_argument_still_binds));
    }

    [Fact]
    public void Libc_shaped_method_groups_still_convert_and_work()
    {
        Func<nint, nuint, int, int, int, long, nint> map = Mman.mmap;
        Func<nint, nuint, int> unmap = Mman.munmap;
        Func<nint, nuint, int, int> protect = Mman.mprotect;
        Func<nint, nuint, int, int> advise = Mman.madvise;
        Func<nint, nuint, nuint, int, nint> remap = Mman.mremap;
        delegate*<void*, nuint, int> unmapPointer = &Mman.munmap;
        nint p = Map(P);
        Assert.Equal(0, protect(p, P, RW));
        Assert.Equal(0, advise(p, P, Mman.MADV_NORMAL));
        nint q = remap(p, P, 2 * P, Mman.MREMAP_MAYMOVE);
        Assert.NotEqual(Mman.MAP_FAILED, q);
        Assert.Null(MmapTracker.FindMapping(q)!.CreationCallSite); // a delegate call has no call site to record
        Assert.Equal(0, unmap(q, 2 * P));
        Assert.Null(MmapTracker.FindMapping(q)!.DestructionCallSite);
        nint viaDelegate = map(0, P, RW, PA, -1, 0);
        Assert.NotEqual(Mman.MAP_FAILED, viaDelegate);
        Assert.Null(MmapTracker.FindMapping(viaDelegate)!.CreationCallSite);
        Assert.Equal(0, unmap(viaDelegate, P));
        Assert.Contains(nameof(Libc_shaped_method_groups_still_convert_and_work), MmapTracker.FindMapping(q)!.DestructionStack); // no call site, but the stack
        nint r = Map(P);
        Assert.Equal(0, unmapPointer((void*)r, P));
        Assert.Equal(MappingState.Quarantined, MmapTracker.FindMapping(r)!.State);
    }
}
