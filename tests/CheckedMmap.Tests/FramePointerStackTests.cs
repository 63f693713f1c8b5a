using System;
using System.Runtime.CompilerServices;
using System.Threading;
using CheckedMmap.Reports;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

/// <summary>
/// Stacks read from return addresses (FramePointerStacks): after a path's first capture, captures on it cost a
/// frame-pointer walk and name the same stack the runtime's walk names, also through optimized methods that keep no
/// frame record (whose callers a plain frame-pointer walk skips).
/// </summary>
[Collection(GlobalOptionsCollection.Name)]
public sealed class FramePointerStackTests : IDisposable
{
    // Shallow enough that the walk ends in this file's methods, below which xunit's reflection frames are ReadyToRun
    // code the check cannot account for. Every method on the paths is optimized at once, so that no tier change moves
    // their code between captures.
    private const int Depth = 3;

    private const MethodImplOptions Optimized = MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization;

    public FramePointerStackTests()
    {
        CheckedMmapOptions.ResetToDefaults();
        CheckedMmapOptions.StackDepth = Depth;
        FramePointerStacks.CountingForTests = true;
    }

    public void Dispose()
    {
        FramePointerStacks.CountingForTests = false;
        FramePointerStacks.DisabledForTests = false;
        CheckedMmapOptions.ResetToDefaults();
    }

    // Optimized at once and small: no frame record, so a frame-pointer walk from Mman.mmap steps over the caller.
    [MethodImpl(Optimized)]
    private static nint MapWithoutFrameRecord() => Mman.mmap(0, P, 3, 0x22, -1, 0);

    [MethodImpl(Optimized)]
    private static nint CallerA() => MapWithoutFrameRecord();

    [MethodImpl(Optimized)]
    private static nint CallerB() => MapWithoutFrameRecord();

    [MethodImpl(Optimized)]
    private static MappingInfo[] MapFromBothCallers(int rounds)
    {
        var maps = new MappingInfo[rounds * 2];
        for (int i = 0; i < rounds; i++)
        {
            maps[2 * i] = MmapTracker.FindMapping(CallerA())!;
            maps[2 * i + 1] = MmapTracker.FindMapping(CallerB())!;
        }

        return maps;
    }

    [MethodImpl(Optimized)]
    private static void UnmapAll(MappingInfo[] maps)
    {
        foreach (MappingInfo m in maps)
        {
            Unmap(m);
        }
    }

    [MethodImpl(Optimized)]
    private static void Unmap(MappingInfo m) => Assert.Equal(0, Mman.munmap((nint)m.Start, P));

    [Fact]
    public void Callers_of_a_method_without_a_frame_record_are_told_apart()
    {
        Assert.True(FramePointerStacks.IsAvailable, "frame-pointer stacks are available on linux-x64");
        int learned = 0, unverified = 0;
        for (int round = 0; round < 2; round++)
        {
            // The first round learns both paths (and the munmap's); the second, from the same call sites, reads them.
            string[] stacks = MapFromBothCallersAndUnmap(round == 0 ? 2 : 50);
            for (int i = 0; i < stacks.Length; i++)
            {
                string expected = i % 2 == 0 ? nameof(CallerA) : nameof(CallerB);
                string other = i % 2 == 0 ? nameof(CallerB) : nameof(CallerA);
                Assert.Contains(expected, stacks[i], StringComparison.Ordinal);
                Assert.DoesNotContain(other, stacks[i], StringComparison.Ordinal);
                Assert.Contains(nameof(MapWithoutFrameRecord), stacks[i], StringComparison.Ordinal);
            }

            if (round == 0)
            {
                learned = FramePointerStacks.LearnCount;
                unverified = FramePointerStacks.UnverifiedCount;
            }
        }

        Assert.Equal(learned, FramePointerStacks.LearnCount);
        Assert.Equal(unverified, FramePointerStacks.UnverifiedCount);
    }

    [MethodImpl(Optimized)]
    private static string[] MapFromBothCallersAndUnmap(int rounds)
    {
        MappingInfo[] maps = MapFromBothCallers(rounds);
        var stacks = new string[maps.Length];
        for (int i = 0; i < maps.Length; i++)
        {
            stacks[i] = maps[i].CreationStack;
        }

        UnmapAll(maps);
        return stacks;
    }

    [MethodImpl(Optimized)]
    private static MappingInfo MapAtRecursionDepth(int levels) =>
        levels == 0 ? MmapTracker.FindMapping(MapWithoutFrameRecord())! : MapAtRecursionDepth(levels - 1);

    [MethodImpl(Optimized)]
    private static MappingInfo MapOnPath(int path) => path switch
    {
        0 => MmapTracker.FindMapping(CallerA())!,
        1 => MmapTracker.FindMapping(CallerB())!,
        2 => MapAtRecursionDepth(1),
        3 => MapAtRecursionDepth(2),
        _ => MmapTracker.FindMapping(Map(P))!,
    };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_remembered_path_names_the_stack_the_runtime_walk_names(int path)
    {
        var rounds = new MappingInfo[2][];
        int learned = 0, unverified = 0;
        for (int round = 0; round < rounds.Length; round++)
        {
            // The first capture takes the runtime's walk (frame-pointer stacks off); the next ones, from the same call
            // site, learn the path; the second round only reads it.
            rounds[round] = MapOnPathWalkingFirst(path, 6, walkFirst: round == 0);
            if (round == 0)
            {
                learned = FramePointerStacks.LearnCount;
                unverified = FramePointerStacks.UnverifiedCount;
            }
        }

        try
        {
            foreach (MappingInfo[] maps in rounds)
            {
                foreach (MappingInfo m in maps)
                {
                    Assert.Same(rounds[0][0].CreationStackTrace, m.CreationStackTrace);
                }
            }

            Assert.Equal(learned, FramePointerStacks.LearnCount);
            Assert.Equal(unverified, FramePointerStacks.UnverifiedCount);
        }
        finally
        {
            UnmapAll(rounds[0]);
            UnmapAll(rounds[1]);
        }
    }

    [MethodImpl(Optimized)]
    private static MappingInfo[] MapOnPathWalkingFirst(int path, int count, bool walkFirst)
    {
        var maps = new MappingInfo[count];
        for (int i = 0; i < count; i++)
        {
            FramePointerStacks.DisabledForTests = walkFirst && i == 0;
            maps[i] = MapOnPath(path);
        }

        FramePointerStacks.DisabledForTests = false;
        return maps;
    }

    private sealed class Lease : IDisposable
    {
        public Lease(nint address) => Address = address;

        public nint Address { get; }

        [MethodImpl(Optimized)]
        public void Dispose() => Assert.Equal(0, Mman.munmap(Address, P));
    }

    private static int _learnedBeforeLastRounds;
    private static int _unverifiedBeforeLastRounds;

    // Quick-JIT code with a loop: after about a thousand rounds the runtime moves it, mid-loop, to an OSR body, whose
    // frame sits on its Tier0 frame. The munmap runs in the `using` block's finally funclet.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MapAndReleaseInALoop(int rounds, MappingInfo[] last)
    {
        for (int i = 0; i < rounds; i++)
        {
            if (i == rounds - last.Length)
            {
                _learnedBeforeLastRounds = FramePointerStacks.LearnCount;
                _unverifiedBeforeLastRounds = FramePointerStacks.UnverifiedCount;
            }

            using var lease = new Lease(MapWithoutFrameRecord());
            if (i >= rounds - last.Length)
            {
                last[i - (rounds - last.Length)] = MmapTracker.FindMapping(lease.Address)!;
            }
        }
    }

    [MethodImpl(Optimized)]
    private static void RunLoop(int rounds, MappingInfo[] last) => MapAndReleaseInALoop(rounds, last);

    [Fact]
    public void Paths_through_finally_blocks_and_OSR_bodies_are_read()
    {
        var last = new MappingInfo[200];
        RunLoop(3000, last);
        Assert.Equal(_learnedBeforeLastRounds, FramePointerStacks.LearnCount);
        Assert.Equal(_unverifiedBeforeLastRounds, FramePointerStacks.UnverifiedCount);
        foreach (MappingInfo m in last)
        {
            Assert.Contains(nameof(MapAndReleaseInALoop), m.CreationStack, StringComparison.Ordinal);
            Assert.Contains(nameof(MapAndReleaseInALoop), m.DestructionStack, StringComparison.Ordinal);
            Assert.Contains(nameof(Lease.Dispose), m.DestructionStack, StringComparison.Ordinal);
        }
    }

    // Two paths that read alike through frame records: from Call's one call site, a multicast delegate's invoke stub (a
    // frame the runtime's walk does not show) or a catch funclet reaches a method without a frame record. In a child
    // process whose stack ends near the scenario, as a program's Main does (xunit's frames below a test differ).
    [Fact]
    public void Paths_that_read_alike_through_frames_the_walk_does_not_show_keep_their_own_stacks()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.PathsThroughUnshownFrames), ("CHECKEDMMAP_STACK_DEPTH", "2"));
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] stacks = r.Stdout.Split("--- next\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(stacks.Length == 6, r.ToString());
        for (int i = 0; i < stacks.Length; i++)
        {
            if (i % 3 == 0)
            {
                Assert.DoesNotContain(nameof(ChildScenarios.MapInCatch), stacks[i], StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains(nameof(ChildScenarios.MapInCatch), stacks[i], StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Paths_on_other_threads_are_their_own()
    {
        MappingInfo? onThread = null;
        var thread = new Thread(() => onThread = MapOnPath(0));
        thread.Start();
        thread.Join();
        MappingInfo here = MapOnPath(0);
        try
        {
            Assert.NotSame(here.CreationStackTrace, onThread!.CreationStackTrace);
            Assert.Contains(nameof(CallerA), onThread.CreationStack, StringComparison.Ordinal);
        }
        finally
        {
            UnmapAll(new[] { here, onThread! });
        }
    }
}

public static partial class ChildScenarios
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static nint MapWithoutFrameRecord() => Mman.mmap(0, P, 3, 0x22, -1, 0);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static nint MapInCatch()
    {
        try
        {
            throw new InvalidOperationException();
        }
        catch (InvalidOperationException)
        {
            return MapWithoutFrameRecord();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static nint Call(Func<nint> map) => map();

    /// <summary>Maps through a multicast delegate, then twice from a catch block, all from one call site, twice over;
    /// prints each creation stack.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void PathsThroughUnshownFrames()
    {
        Func<nint> multicast = () => 0;
        multicast += MapWithoutFrameRecord;
        Func<nint> inCatch = MapInCatch;
        Func<nint>[] order = { multicast, inCatch, inCatch, multicast, inCatch, inCatch };
        foreach (Func<nint> map in order)
        {
            nint address = Call(map);
            Console.Write(MmapTracker.FindMapping(address)!.CreationStack + "--- next\n");
        }
    }
}
