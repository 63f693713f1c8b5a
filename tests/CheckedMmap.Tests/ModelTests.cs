// Random sequences of valid and invalid calls (fixed seed) checked against an independent model of what is live.
using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

[Collection(GlobalOptionsCollection.Name)]
public sealed unsafe class ModelTests : IDisposable
{
    public ModelTests()
    {
        CheckedMmapOptions.ResetToDefaults();
        CheckedMmapOptions.StackCapture = StackCaptureMode.None;
    }

    public void Dispose() => CheckedMmapOptions.ResetToDefaults();

    private sealed class Live
    {
        public ulong Size;
        public byte Tag;
    }

    private static ulong RoundUp(ulong n) => (n + 4095) / 4096 * 4096;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_calls_match_the_model(int seed)
    {
        var rng = new Random(seed);
        var live = new Dictionary<nint, Live>();
        var freed = new List<nint>();
        int baseline = MmapTracker.LiveCount;
        byte nextTag = 1;

        void CheckContents(nint p, Live l)
        {
            Assert.True(All(p, (nuint)Math.Min(l.Size, 4 * 4096UL), l.Tag), $"mapping {Hex(p)} was overwritten");
        }

        nint AnyLive() => live.Keys.ElementAt(rng.Next(live.Count));

        for (int step = 0; step < 4000; step++)
        {
            int op = rng.Next(11);
            if (live.Count == 0 || op == 0 || (op == 1 && live.Count < 50))
            {
                ulong len = (ulong)rng.Next(1, 6 * 4096);
                nint p = Mman.mmap(0, (nuint)len, RW, PA, -1, 0);
                Assert.NotEqual(Mman.MAP_FAILED, p);
                Assert.Equal(0UL, (ulong)p % 4096);
                Assert.False(live.ContainsKey(p));
                var l = new Live { Size = RoundUp(len), Tag = nextTag++ };
                Fill(p, (nuint)l.Size, l.Tag);
                live.Add(p, l);
                continue;
            }

            nint a = AnyLive();
            Live m = live[a];
            switch (op)
            {
                case 1:
                case 2:
                {
                    if (m.Size % 4096 != 0)
                    {
                        break; // an unrounded mremap block: only mremap can free it
                    }

                    CheckContents(a, m);
                    ulong len = m.Size - (ulong)rng.Next(0, 4096);
                    Assert.Equal(0, Mman.munmap(a, (nuint)len));
                    live.Remove(a);
                    freed.Add(a);
                    break;
                }

                case 3:
                    if (m.Size > 4096)
                    {
                        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(a, (nuint)(m.Size - 4096)));
                        Assert.Equal(UndefinedBehaviorKind.IncorrectLayout, e.Kind);
                        var e2 = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(a + 4096, 4096));
                        Assert.Equal(UndefinedBehaviorKind.NotAtBeginning, e2.Kind);
                    }

                    break;
                case 4:
                    if (freed.Count > 0)
                    {
                        nint f = freed[rng.Next(freed.Count)];
                        if (!live.ContainsKey(f))
                        {
                            var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(f, 4096));
                            Assert.Equal(UndefinedBehaviorKind.Freed, e.Kind);
                        }
                    }

                    break;
                case 5:
                case 6:
                {
                    CheckContents(a, m);
                    ulong newSize = rng.Next(4) == 0 ? (ulong)rng.Next(1, 5 * 4096) : (ulong)rng.Next(1, 5) * 4096;
                    nint q = Mman.mremap(a, (nuint)m.Size, (nuint)newSize, Mman.MREMAP_MAYMOVE);
                    Assert.NotEqual(Mman.MAP_FAILED, q);
                    Assert.NotEqual(a, q);
                    ulong copied = Math.Min(m.Size, newSize);
                    Assert.True(All(q, (nuint)Math.Min(copied, 4 * 4096UL), m.Tag));
                    Assert.True(All(q + (nint)copied, (nuint)(newSize - copied), 0));
                    live.Remove(a);
                    freed.Add(a);
                    var l = new Live { Size = newSize, Tag = nextTag++ };
                    Fill(q, (nuint)newSize, l.Tag);
                    live.Add(q, l);
                    break;
                }

                case 7:
                {
                    ulong offPages = (ulong)rng.Next(0, (int)(RoundUp(m.Size) / 4096));
                    ulong len = (ulong)rng.Next(0, 3 * 4096);
                    bool inside = offPages * 4096 + RoundUp(len) <= m.Size;
                    nint at = a + (nint)(offPages * 4096);
                    if (inside)
                    {
                        Assert.Equal(0, Mman.mprotect(at, (nuint)len, RW));
                        Assert.Equal(0, Mman.madvise(at, (nuint)len, rng.Next(4)));
                    }
                    else
                    {
                        Assert.Equal(UndefinedBehaviorKind.OutOfBounds, Assert.Throws<UndefinedBehaviorException>(() => Mman.mprotect(at, (nuint)len, RW)).Kind);
                        Assert.Equal(UndefinedBehaviorKind.OutOfBounds, Assert.Throws<UndefinedBehaviorException>(() => Mman.madvise(at, (nuint)len, Mman.MADV_NORMAL)).Kind);
                    }

                    break;
                }

                case 8:
                    Errno.Poison();
                    Assert.Equal(-1, Mman.munmap(a + rng.Next(1, 4096), 4096));
                    Errno.AssertIs(Mman.EINVAL);
                    break;
                case 9:
                {
                    // a page-aligned address just past the mapping (its guard page) belongs to no mapping
                    nint guard = a + (nint)RoundUp(m.Size);
                    if (!live.ContainsKey(guard))
                    {
                        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(guard, 4096));
                        Assert.True(e.Kind is UndefinedBehaviorKind.DanglingNoProvenance or UndefinedBehaviorKind.Freed, e.Kind.ToString());
                    }

                    break;
                }

                default:
                {
                    MappingInfo info = MmapTracker.FindMapping(a)!;
                    Assert.True(info.IsLive);
                    Assert.Equal((nuint)m.Size, info.Size);
                    Assert.Equal(a, info.Address);
                    break;
                }
            }

            Assert.Equal(baseline + live.Count, MmapTracker.LiveCount);
        }

        foreach ((nint p, Live l) in live)
        {
            CheckContents(p, l);
            nint q = p;
            if (l.Size % 4096 != 0)
            {
                q = Mman.mremap(p, (nuint)l.Size, 4096, Mman.MREMAP_MAYMOVE);
            }

            Assert.Equal(0, Mman.munmap(q, (nuint)RoundUp(l.Size % 4096 != 0 ? 4096 : l.Size)));
        }

        Assert.Equal(baseline, MmapTracker.LiveCount);
    }
}
