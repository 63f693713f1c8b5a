using System;
using System.Collections.Generic;
using System.Linq;
using CheckedMmap.Contract;
using Xunit;
using Xunit.Abstractions;

namespace CheckedMmap.Robustness.Tests.Runtime;

/// <summary>
/// Every Mman function with random and adversarial arguments, single-threaded against the exact model: each call
/// must end in the outcome the specification gives (result, errno, unsupported, UB) and the registry must stay
/// equal to the model. CHECKEDMMAP_RUNTIME_FUZZ_SEED / CHECKEDMMAP_RUNTIME_FUZZ_OPS change the run.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed unsafe class RuntimeFuzzTests(ITestOutputHelper output)
{
    public const int DefaultSeed = 6_2026;
    public const int DefaultOps = 40_000;

    internal sealed class Generator(Random rng, RuntimeModel model)
    {
        private ulong P => model.P;

        public T Pick<T>(params T[] items) => items[rng.Next(items.Length)];

        public ulong Address()
        {
            var live = model.Live.Values.ToList();
            var freed = model.Freed;
            switch (rng.Next(14))
            {
                case 0: return 0;
                case 1 or 2 or 3 when live.Count > 0: return Pick(live.ToArray()).Start;
                case 4 when live.Count > 0: { var m = Pick(live.ToArray()); return m.Start + (ulong)rng.NextInt64(0, (long)((m.Size + P - 1) / P)) * P; }
                case 5 when live.Count > 0: { var m = Pick(live.ToArray()); return m.Start + (ulong)rng.NextInt64(1, (long)m.Size + 1); }
                case 6 when live.Count > 0: { var m = Pick(live.ToArray()); return (m.Start + m.Size + P - 1) / P * P + Pick(0UL, P); }
                case 7 when live.Count > 0: return Pick(live.ToArray()).Start - P;
                case 8 or 9 when freed.Count > 0: { var f = freed[rng.Next(freed.Count)]; return rng.Next(3) == 0 ? f.Start + P * (ulong)rng.Next(1, 4) : f.Start; }
                case 10: return (ulong)rng.NextInt64(1, 1L << 35) * P;
                case 11: return Pick(P, P - 1, 1UL, 0xffff_8000_0000_0000UL, ulong.MaxValue - P + 1, ulong.MaxValue, (ulong)long.MaxValue / P * P, 1UL << 47, (1UL << 47) - P);
                case 12: return (ulong)rng.NextInt64() | (ulong)rng.Next(2) << 63;
                default: return live.Count > 0 ? Pick(live.ToArray()).Start : (ulong)rng.NextInt64(1, 1L << 30) * P;
            }
        }

        public ulong Length(ModelMapping? around = null)
        {
            ulong s = around?.Size ?? P;
            return rng.Next(16) switch
            {
                0 => 0,
                1 => 1,
                2 => P - 1,
                3 => P,
                4 => P + 1,
                5 => s,
                6 => s + 1,
                7 => s - 1,
                8 => s + P,
                9 => Math.Max(s, P) - P,
                10 => (ulong)rng.Next(1, 64 * 1024),
                11 => Pick((ulong)long.MaxValue, (ulong)long.MaxValue - P + 1, (ulong)long.MaxValue - P, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 1, ulong.MaxValue - P + 1, ulong.MaxValue - P),
                12 => Pick(1UL << 40, 1UL << 31, (1UL << 32) + 1, 3UL << 30),
                13 => (ulong)rng.NextInt64() | (ulong)rng.Next(2) << 63,
                _ => s,
            };
        }

        public int Prot() => rng.Next(6) switch
        {
            0 or 1 or 2 => 3,
            3 => rng.Next(8),
            4 => 1 << rng.Next(32),
            _ => rng.Next(int.MinValue, int.MaxValue),
        };

        public int MmapFlags() => rng.Next(8) switch
        {
            0 or 1 or 2 or 3 => 2 | model.MapAnonymous,
            4 => 2 | model.MapAnonymous | 1 << rng.Next(32),
            5 => 1 << rng.Next(32),
            6 => Pick(0, 1, 2, 3, 0x20, 0x21, 0x23, 0x32, 0x1002, -1, int.MinValue, 0x100022, 0x4022),
            _ => rng.Next(int.MinValue, int.MaxValue),
        };

        public int Fd() => rng.Next(6) == 0 ? Pick(0, 1, 3, -2, int.MinValue, int.MaxValue) : -1;

        public long Offset() => rng.Next(6) == 0 ? Pick(1L, (long)P, -1L, long.MinValue, long.MaxValue, -(long)P) : 0;

        public int MremapFlags() => rng.Next(6) switch
        {
            0 or 1 or 2 => MmapConstants.MREMAP_MAYMOVE,
            3 => rng.Next(8),
            4 => 1 << rng.Next(32),
            _ => rng.Next(int.MinValue, int.MaxValue),
        };

        public int Advice() => rng.Next(4) == 0 ? Pick(4, 5, 8, 9, 14, 100, -1, int.MinValue, int.MaxValue) : rng.Next(4);

        public int Next(int n) => rng.Next(n);
    }

    internal static void WriteTag(ModelMapping m)
    {
        if (m.Size >= 8) *(long*)m.Start = m.Tag;
    }

    /// <summary>
    /// The default (Linux, host pages) with the full op count; other emulated targets and forced page sizes with a
    /// quarter of it: macOS and FreeBSD number MAP_ANON 0x1000 and have no mremap; a forced page size larger than the
    /// host's changes every alignment and rounding.
    /// </summary>
    [Theory]
    [InlineData(TargetOperatingSystem.Linux, 0UL, 1)]
    [InlineData(TargetOperatingSystem.Linux, 64UL, 4)]
    [InlineData(TargetOperatingSystem.MacOS, 16UL, 4)]
    [InlineData(TargetOperatingSystem.FreeBSD, 0UL, 4)]
    public void Every_call_ends_in_a_specified_outcome_and_the_registry_matches_the_model(TargetOperatingSystem target, ulong forcedPageKiB, int opsDivisor)
    {
        int seed = RepoPaths.EnvInt("CHECKEDMMAP_RUNTIME_FUZZ_SEED", DefaultSeed) + (int)target * 1000 + (int)forcedPageKiB;
        int ops = RepoPaths.EnvInt("CHECKEDMMAP_RUNTIME_FUZZ_OPS", DefaultOps) / opsDivisor;
        CheckedMmapOptions.ResetToDefaults();
        MmapTracker.FlushQuarantine();
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        try
        {
            Run(target, forcedPageKiB, seed, ops);
            output.WriteLine($"process CPU {(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s");
        }
        finally
        {
            CheckedMmapOptions.ResetToDefaults();
        }
    }

    private void Run(TargetOperatingSystem targetOs, ulong forcedPageKiB, int seed, int ops)
    {
        CheckedMmapOptions.Target = targetOs;
        if (forcedPageKiB != 0) CheckedMmapOptions.ForcePageSizeKiB(forcedPageKiB);
        ulong expectedPage = forcedPageKiB != 0 ? forcedPageKiB * 1024 : (ulong)Environment.SystemPageSize;
        Assert.Equal(expectedPage, (ulong)Mman.PageSize);
        long checkpoint = MmapTracker.Checkpoint();
        int liveBefore = MmapTracker.LiveCount;
        var model = new RuntimeModel((ulong)Mman.PageSize, targetOs == TargetOperatingSystem.Linux ? 0x20 : 0x1000, hasMremap: targetOs == TargetOperatingSystem.Linux);
        Assert.Equal(model.MapAnonymous, Mman.MAP_ANONYMOUS);
        var rng = new Random(seed);
        var gen = new Generator(rng, model);
        var counts = new Dictionary<string, int>();
        long tags = 0;
        int op = 0;
        Verify.Tally = new Dictionary<string, int>();
        string What(string call) => $"seed {seed} op {op}: {call}";

        try
        {
            for (op = 0; op < ops; op++)
            {
                int choice = rng.Next(100);
                if (model.Live.Count > 48 && choice < 35) choice += 35; // keep the live set small: prefer freeing
                string fn;
                if (choice < 35)
                {
                    fn = "mmap";
                    ulong length = gen.Length();
                    int prot = gen.Prot(), flags = gen.MmapFlags(), fd = gen.Fd();
                    long offset = gen.Offset();
                    ulong hint = rng.Next(8) == 0 ? gen.Address() : 0;
                    var expected = model.Mmap(length, prot, flags, fd, offset);
                    long? r = Verify.Call(What($"mmap(0x{hint:x}, {length}, {prot}, 0x{flags:x}, {fd}, {offset})"), expected,
                        () => Mman.mmap((nint)hint, (nuint)length, prot, flags, fd, offset), model);
                    if (r is long start)
                    {
                        Assert.True((ulong)start % model.P == 0 && start != 0, What($"mmap returned unaligned 0x{start:x}"));
                        model.TryRound(length, out ulong rounded);
                        Assert.True(model.Containing((ulong)start) == null, What($"mmap returned 0x{start:x}, inside a live mapping"));
                        model.AddLive((ulong)start, rounded, ++tags);
                        if (rounded <= (1UL << 30)) WriteTag(model.Live[(ulong)start]); else CleanUp(model, model.Live[(ulong)start]); // never keep huge ones
                    }
                }
                else if (choice < 60)
                {
                    fn = "munmap";
                    ulong addr = gen.Address();
                    ulong length = gen.Length(model.Containing(addr));
                    var expected = model.Munmap(addr, length, out var target);
                    model.TryRound(length, out ulong rounded);
                    if (Verify.Call(What($"munmap(0x{addr:x}, {length})"), expected, () => Mman.munmap((nint)addr, (nuint)length), model, addr, target, rounded) is not null)
                    {
                        model.Retire(target!);
                    }
                }
                else if (choice < 72)
                {
                    fn = "mremap";
                    ulong addr = gen.Address();
                    var around = model.Containing(addr);
                    ulong oldSize = rng.Next(3) > 0 && around != null ? around.Size : gen.Length(around);
                    ulong newSize = gen.Length(around);
                    if (rng.Next(8) == 0) newSize = ulong.MaxValue - (ulong)rng.Next(0, 2 * Environment.SystemPageSize); // finding 1's band
                    int flags = gen.MremapFlags();
                    var expected = model.Mremap(addr, oldSize, newSize, flags, out var target);
                    long? r = Verify.Call(What($"mremap(0x{addr:x}, {oldSize}, {newSize}, 0x{flags:x})"), expected,
                        () => Mman.mremap((nint)addr, (nuint)oldSize, (nuint)newSize, flags), model, addr, target, oldSize);
                    if (r is long fresh)
                    {
                        Assert.True((ulong)fresh % model.P == 0, What($"mremap returned unaligned 0x{fresh:x}"));
                        if (Math.Min(oldSize, newSize) >= 8)
                        {
                            Assert.True(*(long*)fresh == target!.Tag, What("mremap did not copy the old contents"));
                        }

                        model.Retire(target!);
                        model.AddLive((ulong)fresh, newSize, ++tags);
                        if (newSize <= (1UL << 30)) WriteTag(model.Live[(ulong)fresh]); else CleanUp(model, model.Live[(ulong)fresh]);
                    }
                }
                else if (choice < 86)
                {
                    fn = "mprotect";
                    ulong addr = gen.Address();
                    ulong length = gen.Length(model.Containing(addr));
                    int prot = gen.Prot();
                    Verify.Call(What($"mprotect(0x{addr:x}, {length}, {prot})"), model.Mprotect(addr, length, prot), () => Mman.mprotect((nint)addr, (nuint)length, prot), model, addr);
                }
                else
                {
                    fn = "madvise";
                    ulong addr = gen.Address();
                    ulong length = gen.Length(model.Containing(addr));
                    int advice = gen.Advice();
                    Verify.Call(What($"madvise(0x{addr:x}, {length}, {advice})"), model.Madvise(addr, length, advice), () => Mman.madvise((nint)addr, (nuint)length, advice), model, addr);
                }

                counts[fn] = counts.GetValueOrDefault(fn) + 1;
                Assert.True(MmapTracker.LiveCount == liveBefore + model.Live.Count, What($"LiveCount {MmapTracker.LiveCount}, model {liveBefore + model.Live.Count}"));
                if (op % 256 == 0)
                {
                    Verify.RegistryMatches(What("registry check"), checkpoint, model.Live.Values);
                }
            }

            Verify.RegistryMatches($"seed {seed}: after {ops} ops", checkpoint, model.Live.Values);
        }
        finally
        {
            foreach (var m in model.Live.Values.ToList()) CleanUp(model, m);
        }

        Verify.RegistryMatches($"seed {seed}: after cleanup", checkpoint, []);
        var tally = Verify.Tally;
        Verify.Tally = null;
        output.WriteLine("outcomes: " + string.Join(", ", tally.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        // The argument mix must reach every outcome class each function has (else the fuzz is too narrow).
        var reachable = new List<string>
        {
            "mmap Success", "mmap Errno", "mmap Unsupported",
            "munmap Success", "munmap Errno", "munmap UndefinedBehavior",
            "mremap Success", "mremap Errno", "mremap Unsupported", "mremap UndefinedBehavior",
            "mprotect Success", "mprotect Errno", "mprotect Unsupported", "mprotect UndefinedBehavior",
            "madvise Success", "madvise Errno", "madvise Unsupported", "madvise UndefinedBehavior",
        };
        if (!model.HasMremap) reachable.RemoveAll(k => k.StartsWith("mremap", StringComparison.Ordinal) && k != "mremap Unsupported");
        Assert.All(reachable, k => Assert.True(tally.GetValueOrDefault(k) > 0, $"the fuzz never reached '{k}'"));
        output.WriteLine($"{targetOs}, page {model.P}: seed {seed}: {ops} calls ({string.Join(", ", counts.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}); {tags} mappings created; evictions so far {MmapTracker.Evictions}");
    }

    /// <summary>Frees a model mapping the legal way (a size that is not a page multiple first goes through mremap).</summary>
    internal static void CleanUp(RuntimeModel model, ModelMapping m)
    {
        ModelMapping current = m;
        if (current.Size % model.P != 0)
        {
            nint moved = Mman.mremap((nint)current.Start, (nuint)current.Size, (nuint)model.P, MmapConstants.MREMAP_MAYMOVE);
            Assert.True(moved != -1, $"cleanup: mremap of {current} failed");
            model.Retire(current);
            model.AddLive((ulong)moved, model.P, 0);
            current = model.Live[(ulong)moved];
        }

        Assert.Equal(0, Mman.munmap((nint)current.Start, (nuint)current.Size));
        model.Retire(current);
    }
}
