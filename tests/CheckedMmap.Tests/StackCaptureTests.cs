using System;
using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using CheckedMmap.Reports;
using Xunit;

namespace CheckedMmap.Tests;

/// <summary>
/// Methods-only stacks are taken through the runtime's own walk (method handles and IL offsets) and become StackFrames
/// only when read; they must read as the StackTrace the same call would have taken (sharing by call path, with and
/// without the walk, is in StackSharingTests).
/// </summary>
[Collection(GlobalOptionsCollection.Name)]
// In the options collection: StackSharingTests turns the walk off for some of its cases.
public sealed class StackCaptureTests
{
    [Fact]
    public void The_runtime_walk_is_available_on_the_tested_runtime()
    {
        // Fails when a runtime update renames the walk's internals: stacks would still be taken, at twice the cost.
        Assert.True(RuntimeStackWalk.IsAvailable, "CoreCLR's StackFrameHelper walk was not found; stacks fall back to StackTrace");
    }

    private static int _ownFrames = CapturedStack.OwnFramesAllowance;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (StackTrace Walked, StackTrace Direct) TakeBoth() => (CapturedStack.TakeMethodsOnly(depth: 0, ref _ownFrames).Trace, new StackTrace(0, false));

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
    private static MappingInfo MapThroughCollectibleDynamicMethod()
    {
        var method = new DynamicMethod("MapThroughDynamicMethod", typeof(nint), Type.EmptyTypes, typeof(StackCaptureTests).Module, skipVisibility: true);
        ILGenerator il = method.GetILGenerator();
        il.Emit(OpCodes.Ldc_I4, (int)M.P);
        il.Emit(OpCodes.Conv_U);
        il.Emit(OpCodes.Call, typeof(M).GetMethod(nameof(M.Map))!);
        il.Emit(OpCodes.Ret);
        nint p = ((Func<nint>)method.CreateDelegate(typeof(Func<nint>)))();
        return MmapTracker.FindMapping(p)!;
    }

    [Fact]
    public void A_stack_through_a_dynamic_method_reads_after_the_method_is_collected()
    {
        // The walk keeps the dynamic method's resolver alive, so its handle is still valid when the stack is read.
        MappingInfo m = MapThroughCollectibleDynamicMethod();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.Contains(nameof(MapThroughCollectibleDynamicMethod), m.CreationStack, StringComparison.Ordinal);
            Assert.Contains(m.CreationStackTrace!.GetFrames(), f => f.GetMethod()?.Name == "MapThroughDynamicMethod");
        }
        finally
        {
            M.Unmap((nint)m.Start, M.P);
        }
    }
}
