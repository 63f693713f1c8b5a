using System;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using CheckedMmap.Reports;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

/// <summary>
/// Methods-only stacks are taken through the runtime's own walk (method handles and IL offsets) and become StackFrames
/// only when read; they must read as the StackTrace the same call would have taken, and be shared by call path either way.
/// </summary>
[Collection(GlobalOptionsCollection.Name)]
public sealed class StackCaptureTests : IDisposable
{
    public StackCaptureTests() => CheckedMmapOptions.ResetToDefaults();

    public void Dispose()
    {
        RuntimeStackWalk.DisabledForTests = false;
        CheckedMmapOptions.ResetToDefaults();
    }

    [Fact]
    public void The_runtime_walk_is_available_on_the_tested_runtime()
    {
        // Fails when a runtime update renames the walk's internals: stacks would still be taken, at twice the cost.
        Assert.True(RuntimeStackWalk.IsAvailable, "CoreCLR's StackFrameHelper walk was not found; stacks fall back to StackTrace");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (StackTrace Walked, StackTrace Direct) TakeBoth() => (CapturedStack.TakeMethodsOnly().Trace, new StackTrace(0, false));

    [Fact]
    public void A_walked_stack_reads_as_the_StackTrace_of_the_same_call()
    {
        (StackTrace walked, StackTrace direct) = TakeBoth();

        // Frame 0 is the capturing method itself (the capture's own frames are left out), then the same callers.
        Assert.Equal(direct.FrameCount, walked.FrameCount);
        for (int i = 0; i < direct.FrameCount; i++)
        {
            MethodBase? expected = direct.GetFrame(i)!.GetMethod();
            MethodBase? actual = walked.GetFrame(i)!.GetMethod();
            Assert.Equal(expected, actual);
            if (i > 0)
            {
                Assert.Equal(direct.GetFrame(i)!.GetILOffset(), walked.GetFrame(i)!.GetILOffset());
            }
        }

        Assert.Equal(nameof(TakeBoth), walked.GetFrame(0)!.GetMethod()!.Name);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MappingInfo MapHere() => MmapTracker.FindMapping(Map(P))!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stacks_are_shared_by_call_path_with_and_without_the_runtime_walk(bool stackTraceOnly)
    {
        RuntimeStackWalk.DisabledForTests = stackTraceOnly;
        var maps = new MappingInfo[3];
        for (int i = 0; i < 2; i++)
        {
            maps[i] = MapHere();
        }

        maps[2] = MmapTracker.FindMapping(Map(P))!; // another call path: this method, another IL offset
        try
        {
            Assert.Same(maps[0].CreationStackTrace, maps[1].CreationStackTrace);
            Assert.NotSame(maps[0].CreationStackTrace, maps[2].CreationStackTrace);
            Assert.Contains(nameof(MapHere), maps[1].CreationStack, StringComparison.Ordinal);
            Assert.DoesNotContain(nameof(MapHere), maps[2].CreationStack, StringComparison.Ordinal);
            Assert.Contains(nameof(Stacks_are_shared_by_call_path_with_and_without_the_runtime_walk), maps[2].CreationStack, StringComparison.Ordinal);
        }
        finally
        {
            foreach (MappingInfo m in maps)
            {
                Assert.Equal(0, Mman.munmap((nint)m.Start, P));
            }
        }
    }
}
