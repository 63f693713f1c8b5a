using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CheckedMmap.Reports;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

/// <summary>
/// A stack records at most <see cref="CheckedMmapOptions.StackDepth"/> frames below the Mman call (the walk costs per
/// frame, and a test framework's frames under a test method are most of a stack), says in its report that it goes on,
/// and records every frame with depth 0; with and without the runtime's walk.
/// </summary>
[Collection(GlobalOptionsCollection.Name)]
public sealed class StackDepthTests : IDisposable
{
    public StackDepthTests() => CheckedMmapOptions.ResetToDefaults();

    public void Dispose()
    {
        RuntimeStackWalk.DisabledForTests = false;
        CheckedMmapOptions.ResetToDefaults();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MappingInfo MapHere() => MmapTracker.FindMapping(Mman.mmap(0, P, RW, PA, -1, 0))!;

    /// <summary>Maps <paramref name="frames"/> calls of this method deeper than the caller.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MappingInfo MapAtDepth(int frames)
    {
        if (frames == 0)
        {
            return MapHere();
        }

        MappingInfo m = MapAtDepth(frames - 1);
        GC.KeepAlive(m); // work after the call: no tail call, every level keeps its frame
        return m;
    }

    // A process's first walk, asked for the depth and a guess of CheckedMmap's frames, may hold CheckedMmap's frames
    // only (more of them run before the JIT inlines any): the capture takes the whole stack then, and keeps the depth.
    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void The_first_capture_keeps_the_depth_whatever_CheckedMmap_spends(string depth)
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.FirstCaptureAtASmallDepth), ("CHECKEDMMAP_STACK_DEPTH", depth));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("MapOneFrameDown", r.Stdout, StringComparison.Ordinal);
        if (depth == "2")
        {
            Assert.Contains("MapTwoFramesDown", r.Stdout, StringComparison.Ordinal);
        }
    }

    private static int OwnFrames(StackTrace t) =>
        t.GetFrames().TakeWhile(f => f.GetMethod()?.DeclaringType?.Assembly == typeof(Mman).Assembly).Count();

    [Fact]
    public void The_walk_stops_at_the_frame_limit_on_the_tested_runtime()
    {
        // Fails when a runtime update ignores the helper's frame count: stacks stay right, but cost the whole walk.
        Assert.True(RuntimeStackWalk.HonoursFrameLimit, "the runtime's walk does not stop at StackFrameHelper.iFrameCount");
    }

    [Fact]
    public void The_frames_above_the_callers_stack_are_counted_as_CheckedMmaps_own()
    {
        // What decides whether a walk that stopped at its limit holds all the caller frames it asked for.
        Assert.True(RuntimeStackWalk.TryCapture(0, out object walk, out IntPtr[] handles, out _, out int count));
        int own = RuntimeStackWalk.CountLeadingOwnFrames(handles, count);
        Assert.True(own >= 1, "the walk's own frames are CheckedMmap's; " + string.Join(" | ", Enumerable.Range(0, 4).Select(i => RuntimeStackWalk.MakeFrame(walk, i)?.GetMethod()?.ToString())));
        Assert.Equal(MethodBase.GetCurrentMethod()!.MethodHandle.Value, handles[own]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_deep_stack_keeps_the_depth_below_the_Mman_call_and_says_that_it_goes_on(bool walk)
    {
        RuntimeStackWalk.DisabledForTests = !walk;
        CheckedMmapOptions.StackDepth = 5;
        MappingInfo m = MapAtDepth(30);
        Unmap((nint)m.Start, P);

        foreach (StackTrace t in new[] { m.CreationStackTrace!, m.DestructionStackTrace! })
        {
            int own = OwnFrames(t);
            Assert.True(own >= 1, "the Mman entry point is recorded");
            Assert.Equal(own + 5, t.FrameCount);
        }

        StackTrace created = m.CreationStackTrace!;
        int first = OwnFrames(created);
        Assert.Equal(nameof(MapHere), created.GetFrame(first)!.GetMethod()!.Name);
        Assert.All(Enumerable.Range(first + 1, 4), i => Assert.Equal(nameof(MapAtDepth), created.GetFrame(i)!.GetMethod()!.Name));

        // Cut among the caller's own frames: said on a line of its own. The walk stops at the limit, so how many frames
        // follow is not known; a StackTrace knows and says.
        string expected = walk
            ? @"\(more frames past the 5 frames recorded after the Mman call; CHECKEDMMAP_STACK_DEPTH=0 records them all\)"
            : @"\([0-9]+ more frames past the 5 frames recorded after the Mman call; CHECKEDMMAP_STACK_DEPTH=0 records them all\)";
        Assert.Matches(expected, m.CreationStack);

        // The munmap was called from this test method, a few frames above xunit's: that stack is cut among them.
        Assert.Contains("frames of CheckedMmap, the runtime or a test framework not shown; the stack goes on past the 5 frames recorded after the Mman call)", m.DestructionStack!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Depth_zero_records_every_frame(bool walk)
    {
        RuntimeStackWalk.DisabledForTests = !walk;
        CheckedMmapOptions.StackDepth = 0;
        int below = new StackTrace(0, false).FrameCount; // this test method and the frames under it
        MappingInfo m = MapAtDepth(30);
        Unmap((nint)m.Start, P);

        StackTrace t = m.CreationStackTrace!;
        // Own frames, MapHere, 31 MapAtDepth frames, then this test method and everything under it.
        Assert.Equal(OwnFrames(t) + 1 + 31 + below, t.FrameCount);
        Assert.DoesNotContain("below the", m.CreationStack, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_stack_shallower_than_the_depth_is_whole_and_not_said_to_go_on(bool walk)
    {
        RuntimeStackWalk.DisabledForTests = !walk;
        CheckedMmapOptions.StackDepth = 0;
        MappingInfo whole = MapAtDepth(3);
        CheckedMmapOptions.StackDepth = 4096;
        MappingInfo deep = MapAtDepth(3);
        Unmap((nint)whole.Start, P);
        Unmap((nint)deep.Start, P);

        Assert.Equal(whole.CreationStackTrace!.FrameCount, deep.CreationStackTrace!.FrameCount);
        Assert.DoesNotContain("below the", deep.CreationStack, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_invoke_stubs_that_run_later_rows_of_a_theory_are_trimmed(int row)
    {
        // xunit invokes a test method by reflection, through a stub System.Reflection emits from the second call on.
        MappingInfo m = MapAtDepth(row);
        Unmap((nint)m.Start, P);
        Assert.Contains(nameof(The_invoke_stubs_that_run_later_rows_of_a_theory_are_trimmed), m.CreationStack, StringComparison.Ordinal);
        Assert.DoesNotContain("InvokeStub_", m.CreationStack, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_depth_holds_a_test_method_under_an_allocator_and_cuts_the_test_framework()
    {
        // Under xunit a test method sits about 60 frames above the thread's start; the default keeps the test's own frames.
        Assert.Equal(16, CheckedMmapOptions.StackDepth);
        MappingInfo m = MapAtDepth(6);
        Unmap((nint)m.Start, P);
        Assert.Contains(nameof(The_default_depth_holds_a_test_method_under_an_allocator_and_cuts_the_test_framework), m.CreationStack, StringComparison.Ordinal);
        // Cut among xunit's frames, which are not shown anyway: said with them, not on a line of its own.
        Assert.Contains("frames of CheckedMmap, the runtime or a test framework not shown; the stack goes on past the 16 frames recorded after the Mman call)", m.CreationStack, StringComparison.Ordinal);
        Assert.DoesNotContain("CHECKEDMMAP_STACK_DEPTH", m.CreationStack, StringComparison.Ordinal);
        Assert.True(Regex.Matches(m.CreationStack, "#[0-9]+ at ").Count <= 1 + 16);
    }
}

public static partial class ChildScenarios
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint MapOneFrameDown() => Mman.mmap(0, 4096, 3, 0x22, -1, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint MapTwoFramesDown()
    {
        nint p = MapOneFrameDown();
        GC.KeepAlive(p); // work after the call: no tail call
        return p;
    }

    /// <summary>The first capture of a process, whose CheckedMmap frames outnumber the walk's first guess; prints the
    /// creation stack.</summary>
    public static void FirstCaptureAtASmallDepth() => Console.Write(MmapTracker.FindMapping(MapTwoFramesDown())!.CreationStack);
}
