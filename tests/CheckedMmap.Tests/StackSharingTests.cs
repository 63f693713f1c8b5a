using System;
using System.Runtime.CompilerServices;
using CheckedMmap.Reports;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

/// <summary>
/// Mappings made from the same call path share one recorded stack (an allocator maps from a handful of paths, and a
/// stack per mapping held by the quarantine was most of the default mode's cost); different paths keep their own.
/// </summary>
[Collection(GlobalOptionsCollection.Name)]
public sealed class StackSharingTests : IDisposable
{
    public StackSharingTests() => CheckedMmapOptions.ResetToDefaults();

    public void Dispose()
    {
        RuntimeStackWalk.DisabledForTests = false;
        CheckedMmapOptions.ResetToDefaults();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MappingInfo MapFromPathA() => MmapTracker.FindMapping(Map(P))!;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MappingInfo MapFromPathB() => MmapTracker.FindMapping(Map(P))!;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnmapFrom(MappingInfo m) => Assert.Equal(0, Mman.munmap((nint)m.Start, P));

    // The same call path: the same methods at the same IL offsets, so both calls come from one loop statement.
    private static MappingInfo[] MapTwiceFromPathA()
    {
        var maps = new MappingInfo[2];
        for (int i = 0; i < maps.Length; i++)
        {
            maps[i] = MapFromPathA();
        }

        return maps;
    }

    private static void UnmapAll(params MappingInfo[] maps)
    {
        foreach (MappingInfo m in maps)
        {
            UnmapFrom(m);
        }
    }

    // Both ways of taking a methods-only stack: the runtime's walk, and StackTrace where the walk is unavailable.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_same_path_shares_one_stack_and_other_paths_keep_their_own(bool stackTraceOnly)
    {
        RuntimeStackWalk.DisabledForTests = stackTraceOnly;
        MappingInfo[] a = MapTwiceFromPathA();
        MappingInfo a1 = a[0], a2 = a[1], b = MapFromPathB();
        try
        {
            Assert.NotNull(a1.CreationStackTrace);
            Assert.Same(a1.CreationStackTrace, a2.CreationStackTrace);
            Assert.NotSame(a1.CreationStackTrace, b.CreationStackTrace);
            Assert.Contains(nameof(MapFromPathA), a2.CreationStack, StringComparison.Ordinal);
            Assert.Contains(nameof(MapFromPathB), b.CreationStack, StringComparison.Ordinal);
            Assert.DoesNotContain(nameof(MapFromPathA), b.CreationStack, StringComparison.Ordinal);
        }
        finally
        {
            UnmapAll(a1, a2, b);
        }

        // Destruction stacks from one path are shared too, and name that path.
        Assert.Same(a1.DestructionStackTrace, a2.DestructionStackTrace);
        Assert.Contains(nameof(UnmapFrom), a1.DestructionStack, StringComparison.Ordinal);
    }

    [Fact]
    public void Stacks_are_not_shared_when_capture_takes_file_and_line()
    {
        CheckedMmapOptions.StackCapture = StackCaptureMode.MethodsWithFileLine;
        MappingInfo[] a = MapTwiceFromPathA();
        MappingInfo a1 = a[0], a2 = a[1];
        try
        {
            Assert.NotSame(a1.CreationStackTrace, a2.CreationStackTrace);
            Assert.Contains(nameof(MapFromPathA), a2.CreationStack, StringComparison.Ordinal);
        }
        finally
        {
            UnmapAll(a1, a2);
        }
    }
}
