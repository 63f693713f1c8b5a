using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using CheckedMmap.Contract;
using Xunit;

namespace CheckedMmap.Robustness.Tests.Runtime;

internal enum Outcome
{
    Success,
    Errno,
    Unsupported,
    UndefinedBehavior,
}

/// <summary>What a call must end in, per Miri's semantics as docs/runtime.md states them (written from the semantics, not from the runtime's code).</summary>
internal sealed record Expected(Outcome Kind, int Errno = 0, string? Message = null, UndefinedBehaviorKind[]? UbKinds = null, bool MayBeEnomem = false)
{
    public static Expected Ok(bool mayBeEnomem = false) => new(Outcome.Success, MayBeEnomem: mayBeEnomem);

    public static Expected Error(int errno) => new(Outcome.Errno, errno);

    public static Expected Unsupported(string message) => new(Outcome.Unsupported, Message: message);

    public static Expected Ub(params UndefinedBehaviorKind[] kinds) => new(Outcome.UndefinedBehavior, UbKinds: kinds);

    public override string ToString() => Kind switch
    {
        Outcome.Success => MayBeEnomem ? "success or ENOMEM" : "success",
        Outcome.Errno => "errno " + Errno,
        Outcome.Unsupported => "unsupported: " + Message,
        _ => "UB " + string.Join("|", UbKinds ?? []),
    };
}

/// <summary>A mapping the model says is live: the exact size the runtime must record (mmap: rounded; mremap: as given).</summary>
internal sealed class ModelMapping(ulong start, ulong size, long tag)
{
    public ulong Start { get; } = start;
    public ulong Size { get; } = size;
    public long Tag { get; } = tag;
    public ulong End => Start + Size;
    public override string ToString() => $"[0x{Start:x}, +{Size})";
}

/// <summary>
/// An independent model of what must be live, and the oracle for every call. Single-owner (not thread-safe): the stress
/// test gives each thread its own, plus a locked shared pool.
/// </summary>
internal sealed class RuntimeModel
{
    public const int ErrnoSentinel = 4242;
    public static readonly ulong IsizeMax = long.MaxValue;

    public RuntimeModel(ulong pageSize, int mapAnonymous, bool hasMremap = true)
    {
        P = pageSize;
        MapAnonymous = mapAnonymous;
        HasMremap = hasMremap;
    }

    /// <summary>Miri provides mremap for Linux targets only; elsewhere the runtime reports it unsupported.</summary>
    public bool HasMremap { get; }

    public ulong P { get; }
    public int MapAnonymous { get; }
    public SortedDictionary<ulong, ModelMapping> Live { get; } = new();

    /// <summary>Every range this model ever freed (it may be quarantined, evicted, or reused by a later mapping).</summary>
    public List<(ulong Start, ulong End)> Freed { get; } = new();

    public ModelMapping? Containing(ulong addr)
    {
        // Few live mappings: a linear scan keeps the model obviously right.
        foreach (var m in Live.Values)
        {
            if (addr >= m.Start && addr - m.Start < m.Size) return m;
        }

        return null;
    }

    /// <summary>Whether some freed range holds <paramref name="addr"/>, at its start and/or inside it (ranges are reused, so both can hold).</summary>
    public bool InFreed(ulong addr, out bool atStart, out bool inside)
    {
        atStart = inside = false;
        foreach (var (s, e) in Freed)
        {
            if (addr >= s && addr < e)
            {
                atStart |= addr == s;
                inside |= addr != s;
            }
        }

        return atStart || inside;
    }

    /// <summary>Miri's round_up_to_page_size, in 128-bit arithmetic so that it cannot itself overflow.</summary>
    public bool TryRound(ulong length, out ulong rounded)
    {
        UInt128 r = ((UInt128)length + P - 1) / P * P;
        rounded = r <= IsizeMax ? (ulong)r : 0;
        return r <= IsizeMax;
    }

    public Expected Mmap(ulong length, int prot, int flags, int fd, long offset)
    {
        int kind = flags & (MmapConstants.MAP_PRIVATE | MmapConstants.MAP_SHARED);
        if (kind != MmapConstants.MAP_PRIVATE && kind != MmapConstants.MAP_SHARED) return Expected.Error(MmapConstants.EINVAL);
        if (length == 0) return Expected.Error(MmapConstants.EINVAL);
        if (fd != -1) return Expected.Unsupported(MmapMessages.FileBacked);
        if ((flags & MmapConstants.MAP_FIXED) != 0) return Expected.Unsupported(MmapMessages.MapFixed);
        if (prot != (MmapConstants.PROT_READ | MmapConstants.PROT_WRITE)) return Expected.Unsupported(MmapMessages.Protections);
        if (flags != (MmapConstants.MAP_PRIVATE | MapAnonymous)) return Expected.Unsupported(MmapMessages.Flags);
        if (offset != 0) return Expected.Unsupported(MmapMessages.Offset);
        if (!TryRound(length, out ulong rounded)) return Expected.Error(MmapConstants.EINVAL);
        // Miri stops with resource exhaustion where the host has no memory; the runtime answers ENOMEM.
        return Expected.Ok(mayBeEnomem: rounded > (1UL << 30));
    }

    /// <summary>deallocate_ptr / reallocate_ptr's pointer checks: null, no allocation, not at the start, freed.</summary>
    private Expected? PointerChecks(ulong addr, out ModelMapping? live)
    {
        live = null;
        if (addr == 0) return Expected.Ub(UndefinedBehaviorKind.NullPointer);
        live = Containing(addr);
        if (live != null)
        {
            return live.Start != addr ? Expected.Ub(UndefinedBehaviorKind.NotAtBeginning) : null;
        }

        if (InFreed(addr, out bool atStart, out bool inside))
        {
            // Quarantined (freed at its start / "not at the beginning" inside it), or evicted (no allocation any more):
            // the model cannot know which freed mapping, if any, the runtime still holds there.
            var kinds = new List<UndefinedBehaviorKind> { UndefinedBehaviorKind.DanglingNoProvenance };
            if (atStart) kinds.Add(UndefinedBehaviorKind.Freed);
            if (inside) kinds.Add(UndefinedBehaviorKind.NotAtBeginning);
            return Expected.Ub([.. kinds]);
        }

        // Freed before this run (another test's mapping, or this process's earlier runs): the runtime may still name it
        // from its bounded history of evicted mappings ("has been freed" at its start, "not at the beginning" inside).
        return Expected.Ub(UndefinedBehaviorKind.DanglingNoProvenance, UndefinedBehaviorKind.Freed, UndefinedBehaviorKind.NotAtBeginning);
    }

    public Expected Munmap(ulong addr, ulong length, out ModelMapping? target)
    {
        target = null;
        if (addr % P != 0) return Expected.Error(MmapConstants.EINVAL);
        if (!TryRound(length, out ulong rounded)) return Expected.Error(MmapConstants.EINVAL);
        var pointer = PointerChecks(addr, out target);
        if (pointer != null) return pointer;
        return rounded == target!.Size ? Expected.Ok() : Expected.Ub(UndefinedBehaviorKind.IncorrectLayout);
    }

    public Expected Mremap(ulong addr, ulong oldSize, ulong newSize, int flags, out ModelMapping? target)
    {
        target = null;
        if (!HasMremap) return Expected.Unsupported(MmapMessages.MremapNotOnTarget);
        if (addr % P != 0 || newSize == 0) return Expected.Error(MmapConstants.EINVAL);
        if ((flags & MmapConstants.MREMAP_FIXED) != 0) return Expected.Unsupported(MmapMessages.MremapFixed);
        if ((flags & MmapConstants.MREMAP_DONTUNMAP) != 0) return Expected.Unsupported(MmapMessages.MremapDontUnmap);
        if ((flags & MmapConstants.MREMAP_MAYMOVE) == 0) return Expected.Error(MmapConstants.EINVAL);
        var pointer = PointerChecks(addr, out target);
        if (pointer != null) return pointer;
        ulong copy = Math.Min(oldSize, newSize);
        if (copy > target!.Size) return Expected.Ub(UndefinedBehaviorKind.OutOfBounds);
        if (oldSize != target.Size) return Expected.Ub(UndefinedBehaviorKind.IncorrectLayout);
        return Expected.Ok(mayBeEnomem: newSize > (1UL << 30));
    }

    public Expected Mprotect(ulong addr, ulong length, int prot) =>
        RangeCall(addr, length, () => prot == (MmapConstants.PROT_READ | MmapConstants.PROT_WRITE) ? null : MmapMessages.Protections);

    public Expected Madvise(ulong addr, ulong length, int advice) =>
        RangeCall(addr, length, () => advice is >= MmapConstants.MADV_NORMAL and <= MmapConstants.MADV_WILLNEED ? null : MmapMessages.MadviseAdvice);

    private Expected RangeCall(ulong addr, ulong length, Func<string?> unsupported)
    {
        if (addr % P != 0) return Expected.Error(MmapConstants.EINVAL);
        if (unsupported() is { } message) return Expected.Unsupported(message);
        if (!TryRound(length, out ulong rounded)) return Expected.Error(MmapConstants.ENOMEM);
        if (rounded == 0) return Expected.Ok();
        var m = Containing(addr);
        return m != null && rounded <= m.End - addr ? Expected.Ok() : Expected.Ub(UndefinedBehaviorKind.OutOfBounds);
    }

    public void AddLive(ulong start, ulong size, long tag) => Live.Add(start, new ModelMapping(start, size, tag));

    public void Retire(ModelMapping m)
    {
        Assert.True(Live.Remove(m.Start), $"model: {m} was not live");
        Freed.Add((m.Start, m.Start + Math.Max(m.Size, 1)));
    }
}

/// <summary>Performs one call and checks that it ended exactly as expected.</summary>
internal static class Verify
{
    public static void ResetErrno()
    {
        Marshal.SetLastPInvokeError(RuntimeModel.ErrnoSentinel);
        Marshal.SetLastSystemError(RuntimeModel.ErrnoSentinel);
    }

    /// <summary>Runs <paramref name="call"/>; returns its result when it succeeded (null otherwise), failing on any other outcome than expected.</summary>
    /// <summary>Which outcome classes each function reached (function, "Success"/"Errno"/…), to prove the mix is broad.</summary>
    [ThreadStatic]
    public static Dictionary<string, int>? Tally;

    public static long? Call(string what, Expected expected, Func<long> call, RuntimeModel model, ulong addr = 0, ModelMapping? target = null, ulong givenSize = 0)
    {
        if (Tally != null)
        {
            string key = what.Substring(what.IndexOf(": ", StringComparison.Ordinal) + 2).Split('(')[0] + " " + expected.Kind;
            Tally[key] = Tally.GetValueOrDefault(key) + 1;
        }

        ResetErrno();
        long result;
        try
        {
            result = call();
        }
        catch (UnsupportedMmapException e)
        {
            Assert.True(expected.Kind == Outcome.Unsupported, $"{what}: expected {expected}, got unsupported: {e.MiriMessage}");
            Assert.True(e.MiriMessage == expected.Message, $"{what}: unsupported text\n  expected: {expected.Message}\n  actual:   {e.MiriMessage}");
            return null;
        }
        catch (UndefinedBehaviorException e)
        {
            Assert.True(expected.Kind == Outcome.UndefinedBehavior, $"{what}: expected {expected}, got UB {e.Kind}: {e.MiriMessage}");
            Assert.True(expected.UbKinds!.Contains(e.Kind), $"{what}: expected UB {string.Join("|", expected.UbKinds!)}, got {e.Kind}: {e.MiriMessage}; mapping named: {e.Mapping}; model live: {model.Containing(addr)}; freed ranges holding it: {string.Join(" ", model.Freed.Where(f => addr >= f.Start && addr < f.End).Select(f => $"[0x{f.Start:x},0x{f.End:x})"))}");
            Assert.True(e.Address == (nint)addr, $"{what}: UB address 0x{e.Address:x}, expected 0x{addr:x}");
            CheckUbMessage(what, e, model, addr, target, givenSize);
            return null;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: expected {expected}, got {e.GetType().FullName}: {e}");
            return null;
        }

        int pinvoke = Marshal.GetLastPInvokeError(), system = Marshal.GetLastSystemError();
        if (result == -1)
        {
            if (expected.Kind == Outcome.Success && expected.MayBeEnomem && pinvoke == MmapConstants.ENOMEM)
            {
                return null;
            }

            Assert.True(expected.Kind == Outcome.Errno, $"{what}: expected {expected}, got -1 with errno {pinvoke}");
            Assert.True(pinvoke == expected.Errno && system == expected.Errno, $"{what}: errno {pinvoke}/{system}, expected {expected.Errno}");
            return null;
        }

        Assert.True(expected.Kind == Outcome.Success, $"{what}: expected {expected}, got result {result} (0x{result:x})");
        Assert.True(pinvoke == RuntimeModel.ErrnoSentinel && system == RuntimeModel.ErrnoSentinel, $"{what}: success changed errno to {pinvoke}/{system}");
        return result;
    }

    private static bool IsLiveInModel(RuntimeModel model, ulong addr) => model.Containing(addr) != null;

    private static void CheckUbMessage(string what, UndefinedBehaviorException e, RuntimeModel model, ulong addr, ModelMapping? target, ulong givenSize)
    {
        switch (e.Kind)
        {
            case UndefinedBehaviorKind.NullPointer:
                Assert.Equal(MmapMessages.NullPointer, e.MiriMessage);
                break;
            case UndefinedBehaviorKind.DanglingNoProvenance:
                Assert.Equal(MmapMessages.DanglingNoProvenance(addr), e.MiriMessage);
                Assert.Null(e.Mapping);
                break;
            case UndefinedBehaviorKind.NotAtBeginning:
                Assert.True(e.Mapping != null && (e.Mapping.IsLive || !IsLiveInModel(model, addr)), $"{what}: NotAtBeginning names a freed mapping where the model has a live one");
                Assert.True(e.Mapping != null && addr > (ulong)e.Mapping.Address && addr - (ulong)e.Mapping.Address < (ulong)e.Mapping.Size,
                    $"{what}: NotAtBeginning names {e.Mapping}, which does not contain 0x{addr:x}");
                Assert.EndsWith("which does not point to the beginning of an object", e.MiriMessage, StringComparison.Ordinal);
                break;
            case UndefinedBehaviorKind.Freed:
                Assert.True(e.Mapping != null && (ulong)e.Mapping.Address == addr && !e.Mapping.IsLive, $"{what}: Freed names {e.Mapping}");
                Assert.Equal(MmapMessages.Freed(e.Mapping!.Name), e.MiriMessage);
                break;
            case UndefinedBehaviorKind.IncorrectLayout:
                Assert.True(target != null && e.Mapping != null && (ulong)e.Mapping.Address == target.Start && (ulong)e.Mapping.Size == target.Size,
                    $"{what}: IncorrectLayout names {e.Mapping}, model says {target}");
                Assert.Equal(MmapMessages.IncorrectLayout(e.Mapping!.Name, target!.Size, model.P, givenSize, model.P), e.MiriMessage);
                break;
            case UndefinedBehaviorKind.OutOfBounds:
                Assert.True(e.MiriMessage is MmapMessages.MprotectOutOfBounds or MmapMessages.MadviseOutOfBounds
                            || e.MiriMessage.StartsWith("memory access failed: attempting to access ", StringComparison.Ordinal), $"{what}: {e.MiriMessage}");
                break;
        }
    }

    /// <summary>The runtime's live mappings created since <paramref name="checkpoint"/> are exactly the model's.</summary>
    public static void RegistryMatches(string when, long checkpoint, IEnumerable<ModelMapping> model)
    {
        var actual = MmapTracker.LiveMappings().Where(m => m.Id > checkpoint).Select(m => ((ulong)m.Address, (ulong)m.Size)).OrderBy(x => x.Item1).ToList();
        var expected = model.Select(m => (m.Start, m.Size)).OrderBy(x => x.Start).ToList();
        if (!actual.SequenceEqual(expected))
        {
            var missing = expected.Except(actual).Take(5).Select(x => $"[0x{x.Item1:x},+{x.Item2})");
            var extra = actual.Except(expected).Take(5).Select(x => $"[0x{x.Item1:x},+{x.Item2})");
            Assert.Fail($"{when}: registry ({actual.Count} live) != model ({expected.Count}); missing {string.Join(" ", missing)}; extra {string.Join(" ", extra)}");
        }

        foreach (var m in model)
        {
            var info = MmapTracker.FindMapping((nint)m.Start);
            Assert.True(info != null && info.IsLive && (ulong)info.Address == m.Start && (ulong)info.Size == m.Size, $"{when}: FindMapping(0x{m.Start:x}) = {info}, model {m}");
        }
    }
}
