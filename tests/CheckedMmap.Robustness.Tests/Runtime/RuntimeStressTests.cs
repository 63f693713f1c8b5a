using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CheckedMmap.Contract;
using Xunit;
using Xunit.Abstractions;

namespace CheckedMmap.Robustness.Tests.Runtime;

/// <summary>
/// Several threads map, unmap, remap, protect and advise their own mappings and a shared pool, with deliberate misuse
/// mixed in; every call is checked against the spec, and at the end the registry equals the union of the models and
/// no reservation is left behind. CHECKEDMMAP_STRESS_THREADS / CHECKEDMMAP_STRESS_OPS / CHECKEDMMAP_STRESS_SEED.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed unsafe class RuntimeStressTests(ITestOutputHelper output)
{
    private sealed class Shared(ModelMapping mapping)
    {
        public ModelMapping Mapping { get; } = mapping;

        /// <summary>0 = in the pool; 1 = claimed by a thread that will free or remap it.</summary>
        public int Claimed;
    }

    [Fact]
    public void Concurrent_calls_with_misuse_keep_the_registry_exact_and_leak_nothing()
    {
        int threads = RepoPaths.EnvInt("CHECKEDMMAP_STRESS_THREADS", Math.Max(4, 2 * Environment.ProcessorCount));
        int opsPerThread = RepoPaths.EnvInt("CHECKEDMMAP_STRESS_OPS", 6_000);
        int seed = RepoPaths.EnvInt("CHECKEDMMAP_STRESS_SEED", 20261127);
        CheckedMmapOptions.ResetToDefaults();

        // Round 1 warms up .NET's own VMAs (thread stacks, GC regions, JIT) and the runtime's reserved slots, which it
        // keeps for reuse: they grow with the round's peak live set, not with its length. Round 2 repeats round 1's
        // calls (same seed, same length, so about the same peak) and must end with no more VMAs than round 1 did, up
        // to a little slack: a leak adds VMAs every round. (A 4x shorter warm-up left seeds whose longer main round
        // reached a higher peak, and those failed with 40-odd VMAs of reused, not leaked, reservations.)
        int vmasWarm = Round(threads, opsPerThread, seed);
        int vmasAfter = Round(threads, opsPerThread, seed);
        output.WriteLine($"VMAs after the warm-up round {vmasWarm}, after the same calls again {vmasAfter} (vm.max_map_count {ProcessMemory.MaxMapCount})");
        if (vmasWarm > 0)
        {
            Assert.True(vmasAfter <= vmasWarm + 32, $"VMAs: {vmasWarm} after the warm-up round, {vmasAfter} after the same calls again (quarantine flushed both times): reservations leaked");
        }
    }

    private int Round(int threads, int opsPerThread, int seed)
    {
        MmapTracker.FlushQuarantine();
        int vmasBefore = ProcessMemory.VmaCount;
        long checkpoint = MmapTracker.Checkpoint();
        int liveBefore = MmapTracker.LiveCount;
        ulong P = (ulong)Mman.PageSize;
        int anon = Mman.MAP_ANONYMOUS;

        var pool = new List<Shared>();
        var poolLock = new object();
        var errors = new ConcurrentQueue<string>();
        var models = new RuntimeModel[threads];
        var tallies = new Dictionary<string, int>[threads];
        long tagSource = 0;
        using var start = new Barrier(threads);

        void Run(int t)
        {
            var rng = new Random(StableSeed.Mix(seed, t));
            var model = models[t] = new RuntimeModel(P, anon);
            var gen = new RuntimeFuzzTests.Generator(rng, model);
            Verify.Tally = tallies[t] = new Dictionary<string, int>();
            start.SignalAndWait();
            int op = 0;
            string What(string call) => $"seed {seed} thread {t} op {op}: {call}";
            try
            {
                for (op = 0; op < opsPerThread; op++)
                {
                    int choice = rng.Next(100);
                    if (model.Live.Count > 24 && choice < 25) choice = 25 + rng.Next(15);
                    var own = model.Live.Count > 0 ? model.Live.Values.ElementAt(rng.Next(model.Live.Count)) : null;
                    if (choice < 25 || own == null)
                    {
                        // A valid mmap of 1 byte .. 16 pages; some go to the shared pool.
                        ulong length = (ulong)rng.Next(1, 16 * (int)P + 1);
                        long? r = Verify.Call(What($"mmap(0, {length}, RW, PA, -1, 0)"), model.Mmap(length, 3, 2 | anon, -1, 0),
                            () => Mman.mmap(0, (nuint)length, 3, 2 | anon, -1, 0), model);
                        Assert.True(r.HasValue, What("valid mmap failed"));
                        model.TryRound(length, out ulong rounded);
                        var m = new ModelMapping((ulong)r!.Value, rounded, Interlocked.Increment(ref tagSource));
                        RuntimeFuzzTests.WriteTag(m);
                        if (rng.Next(3) == 0)
                        {
                            lock (poolLock) pool.Add(new Shared(m));
                        }
                        else
                        {
                            model.Live.Add(m.Start, m);
                        }
                    }
                    else if (choice < 40)
                    {
                        // Free an own mapping exactly (length rounding to the same size is fine too).
                        ulong length = own.Size % P == 0 && rng.Next(2) == 0 ? own.Size - (ulong)rng.Next(0, (int)P) : own.Size;
                        if (own.Size % P != 0) { RuntimeFuzzTests.CleanUp(model, own); continue; }
                        Verify.Call(What($"munmap({own}, {length})"), model.Munmap(own.Start, length, out _), () => Mman.munmap((nint)own.Start, (nuint)length), model, own.Start, own);
                        model.Retire(own);
                    }
                    else if (choice < 50)
                    {
                        // Grow or shrink an own mapping; the contents move with it.
                        ulong newSize = rng.Next(4) switch { 0 => P, 1 => own.Size + P, 2 => own.Size * 2, _ => (ulong)rng.Next(1, 8 * (int)P) };
                        long? r = Verify.Call(What($"mremap({own}, {own.Size}, {newSize}, MAYMOVE)"), model.Mremap(own.Start, own.Size, newSize, 1, out _),
                            () => Mman.mremap((nint)own.Start, (nuint)own.Size, (nuint)newSize, 1), model, own.Start, own, own.Size);
                        Assert.True(r.HasValue, What("valid mremap failed"));
                        if (Math.Min(own.Size, newSize) >= 8) Assert.True(*(long*)r!.Value == own.Tag, What("mremap lost the contents"));
                        model.Retire(own);
                        var moved = new ModelMapping((ulong)r!.Value, newSize, Interlocked.Increment(ref tagSource));
                        model.Live.Add(moved.Start, moved);
                        RuntimeFuzzTests.WriteTag(moved);
                    }
                    else if (choice < 62)
                    {
                        // Legal no-ops on own memory, with the whole range or a page-aligned part of it.
                        ulong at = own.Start + P * (ulong)rng.Next(0, (int)(own.Size / P) + 1);
                        ulong length = (ulong)rng.Next(0, (int)(own.End - Math.Min(at, own.End)) + 1);
                        if (rng.Next(2) == 0)
                            Verify.Call(What($"mprotect(0x{at:x}, {length}, RW)"), model.Mprotect(at, length, 3), () => Mman.mprotect((nint)at, (nuint)length, 3), model, at);
                        else
                        {
                            int advice = rng.Next(4);
                            Verify.Call(What($"madvise(0x{at:x}, {length}, {advice})"), model.Madvise(at, length, advice), () => Mman.madvise((nint)at, (nuint)length, advice), model, at);
                        }
                    }
                    else if (choice < 80)
                    {
                        // Deliberate misuse of own mappings: each must raise exactly the specified outcome and change nothing.
                        switch (rng.Next(9))
                        {
                            case 0: // partial unmap
                                if (own.Size > P) Verify.Call(What($"munmap({own}, P) partial"), model.Munmap(own.Start, P, out _), () => Mman.munmap((nint)own.Start, (nuint)P), model, own.Start, own, P);
                                break;
                            case 1: // interior unmap
                                if (own.Size > P) Verify.Call(What($"munmap({own}+P) interior"), model.Munmap(own.Start + P, P, out _), () => Mman.munmap((nint)(own.Start + P), (nuint)P), model, own.Start + P);
                                break;
                            case 2: // unaligned
                                Verify.Call(What($"munmap({own}+1)"), model.Munmap(own.Start + 1, P, out _), () => Mman.munmap((nint)(own.Start + 1), (nuint)P), model, own.Start + 1);
                                break;
                            case 3: // munmap length 0 (Miri: UB, not EINVAL)
                                Verify.Call(What($"munmap({own}, 0)"), model.Munmap(own.Start, 0, out _), () => Mman.munmap((nint)own.Start, 0), model, own.Start, own, 0);
                                break;
                            case 4: // mprotect past the end
                                Verify.Call(What($"mprotect({own}, size+P)"), model.Mprotect(own.Start, own.Size + P, 3), () => Mman.mprotect((nint)own.Start, (nuint)(own.Size + P), 3), model, own.Start);
                                break;
                            case 5: // protections / advice Miri does not support
                                Verify.Call(What($"mprotect({own}, PROT_NONE)"), model.Mprotect(own.Start, own.Size, 0), () => Mman.mprotect((nint)own.Start, (nuint)own.Size, 0), model, own.Start);
                                Verify.Call(What($"madvise({own}, DONTNEED)"), model.Madvise(own.Start, own.Size, 4), () => Mman.madvise((nint)own.Start, (nuint)own.Size, 4), model, own.Start);
                                break;
                            case 6: // mmap outside the subset
                            {
                                int prot = gen.Prot(), flags = gen.MmapFlags(), fd = gen.Fd();
                                long offset = gen.Offset();
                                var expected = model.Mmap(P, prot, flags, fd, offset);
                                if (expected.Kind == Outcome.Success) break;
                                Verify.Call(What($"mmap(0, P, {prot}, 0x{flags:x}, {fd}, {offset})"), expected, () => Mman.mmap(0, (nuint)P, prot, flags, fd, offset), model);
                                break;
                            }
                            case 7: // mremap misuse: wrong old size, missing MAYMOVE, FIXED
                            {
                                int flags = rng.Next(3) switch { 0 => 0, 1 => 3, _ => 1 };
                                ulong oldSize = flags == 1 ? own.Size + P : own.Size;
                                Verify.Call(What($"mremap({own}, {oldSize}, 2P, {flags})"), model.Mremap(own.Start, oldSize, 2 * P, flags, out _),
                                    () => Mman.mremap((nint)own.Start, (nuint)oldSize, (nuint)(2 * P), flags), model, own.Start, own, oldSize);
                                break;
                            }
                            default: // use of an address this thread freed: never succeeds with length 0, whoever reuses the range
                            {
                                if (model.Freed.Count == 0) break;
                                var (freedStart, _) = model.Freed[rng.Next(model.Freed.Count)];
                                if (model.Containing(freedStart) != null) break; // reused by this thread: covered above
                                Verify.ResetErrno();
                                try
                                {
                                    Mman.munmap((nint)freedStart, 0);
                                    errors.Enqueue(What($"munmap(freed 0x{freedStart:x}, 0) succeeded"));
                                }
                                catch (UndefinedBehaviorException e) when (e.Kind is UndefinedBehaviorKind.Freed or UndefinedBehaviorKind.DanglingNoProvenance
                                                                               or UndefinedBehaviorKind.NotAtBeginning or UndefinedBehaviorKind.IncorrectLayout)
                                {
                                    Verify.Tally![$"munmap-freed {e.Kind}"] = Verify.Tally.GetValueOrDefault($"munmap-freed {e.Kind}") + 1;
                                }

                                break;
                            }
                        }
                    }
                    else if (choice < 92)
                    {
                        // Read-only calls on the shared pool, racing with other threads' frees.
                        Shared? s;
                        lock (poolLock) s = pool.Count > 0 ? pool[rng.Next(pool.Count)] : null;
                        if (s == null) continue;
                        bool claimedBefore = Volatile.Read(ref s.Claimed) != 0;
                        try
                        {
                            Verify.ResetErrno();
                            int r = rng.Next(2) == 0 ? Mman.mprotect((nint)s.Mapping.Start, (nuint)s.Mapping.Size, 3) : Mman.madvise((nint)s.Mapping.Start, (nuint)s.Mapping.Size, rng.Next(4));
                            if (r != 0) errors.Enqueue(What($"shared mprotect/madvise({s.Mapping}) returned {r}"));
                        }
                        catch (UndefinedBehaviorException e) when (e.Kind == UndefinedBehaviorKind.OutOfBounds)
                        {
                            // Legal only if another thread freed it meanwhile.
                            if (!claimedBefore && Volatile.Read(ref s.Claimed) == 0) errors.Enqueue(What($"shared {s.Mapping} reported out of bounds while nobody freed it: {e.Message}"));
                        }
                    }
                    else
                    {
                        // Claim a shared mapping: free it, or remap it and return the new one to the pool.
                        Shared? s = null;
                        lock (poolLock)
                        {
                            if (pool.Count > 0)
                            {
                                int i = rng.Next(pool.Count);
                                s = pool[i];
                                pool.RemoveAt(i);
                            }
                        }

                        if (s == null) continue;
                        Volatile.Write(ref s.Claimed, 1);
                        var m = s.Mapping;
                        if (rng.Next(2) == 0 && m.Size % P == 0)
                        {
                            model.Live.Add(m.Start, m);
                            Verify.Call(What($"munmap(shared {m})"), model.Munmap(m.Start, m.Size, out _), () => Mman.munmap((nint)m.Start, (nuint)m.Size), model, m.Start, m);
                            model.Retire(m);
                        }
                        else
                        {
                            model.Live.Add(m.Start, m);
                            ulong newSize = P * (ulong)rng.Next(1, 9);
                            long? r = Verify.Call(What($"mremap(shared {m}, {newSize})"), model.Mremap(m.Start, m.Size, newSize, 1, out _),
                                () => Mman.mremap((nint)m.Start, (nuint)m.Size, (nuint)newSize, 1), model, m.Start, m, m.Size);
                            if (Math.Min(m.Size, newSize) >= 8) Assert.True(*(long*)r!.Value == m.Tag, What("shared mremap lost the contents"));
                            model.Retire(m);
                            var moved = new ModelMapping((ulong)r!.Value, newSize, m.Tag);
                            lock (poolLock) pool.Add(new Shared(moved));
                        }
                    }
                }
            }
            catch (Exception e)
            {
                errors.Enqueue(e.ToString());
            }
            finally
            {
                Verify.Tally = null;
            }
        }

        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() => Run(t)) { Name = $"stress-{t}", IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.True(errors.IsEmpty, string.Join("\n\n", errors.Take(5)));

        // The registry equals the union of the models: every thread's own mappings plus the shared pool.
        var expected = models.SelectMany(m => m.Live.Values).Concat(pool.Select(s => s.Mapping)).ToList();
        Verify.RegistryMatches($"seed {seed}: after {threads}×{opsPerThread} ops", checkpoint, expected);
        Assert.Equal(liveBefore + expected.Count, MmapTracker.LiveCount);

        var cleanup = new RuntimeModel(P, anon);
        foreach (var m in expected) cleanup.Live.Add(m.Start, m);
        foreach (var m in expected) RuntimeFuzzTests.CleanUp(cleanup, m);
        Verify.RegistryMatches($"seed {seed}: after cleanup", checkpoint, []);

        // No reservation leaked: with the quarantine drained, the process has about as many VMAs as before.
        int vmasFull = ProcessMemory.VmaCount;
        MmapTracker.FlushQuarantine();
        int vmasAfter = ProcessMemory.VmaCount;
        var tally = tallies.SelectMany(d => d).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        output.WriteLine($"{threads} threads × {opsPerThread} ops; VMAs before {vmasBefore}, before flush {vmasFull}, after flush {vmasAfter}; evictions {MmapTracker.Evictions}");
        output.WriteLine("outcomes: " + string.Join(", ", tally.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        foreach (string k in new[] { "munmap UndefinedBehavior", "munmap Errno", "mremap UndefinedBehavior", "mremap Errno", "mprotect UndefinedBehavior", "mprotect Unsupported", "madvise Unsupported", "mmap Unsupported" })
        {
            Assert.True(tally.GetValueOrDefault(k) > 0, $"the stress mix never reached '{k}'");
        }

        return vmasAfter;
    }
}
