using System;
using System.Runtime.InteropServices;
using Xunit;

namespace CheckedMmap.Tests;

internal static class TestDefaults
{
    /// <summary>
    /// The matrix tests are written for the Linux target (the specification's default), whatever the host: make it
    /// the environment default before CheckedMmap first reads it. Child processes get the same unless a test sets
    /// CHECKEDMMAP_TARGET itself.
    /// </summary>
#pragma warning disable CA2255 // test-assembly setup on purpose
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void UseLinuxTarget()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CheckedMmapOptions.TargetVariable)))
        {
            Environment.SetEnvironmentVariable(CheckedMmapOptions.TargetVariable, "linux");
        }
    }
}

/// <summary>Tests that change global options run alone (xunit runs this collection after the parallel ones, by itself).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalOptionsCollection
{
    public const string Name = "Global CheckedMmap options";
}

/// <summary>errno as a SetLastError P/Invoke leaves it, read both ways.</summary>
internal static class Errno
{
    public const int Sentinel = 4242;

    public static void Poison()
    {
        Marshal.SetLastPInvokeError(Sentinel);
        Marshal.SetLastSystemError(Sentinel);
    }

    public static void AssertIs(int expected)
    {
        int pinvoke = Marshal.GetLastPInvokeError();
        int system = Marshal.GetLastSystemError();
        Assert.Equal(expected, pinvoke);
        Assert.Equal(expected, system);
    }

    public static void AssertUntouched() => AssertIs(Sentinel);
}

internal static unsafe class M
{
    public const nuint P = 4096;
    public const int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    public static int PA => Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;

    public static nint Map(nuint length)
    {
        nint p = Mman.mmap(0, length, RW, PA, -1, 0);
        Assert.NotEqual(Mman.MAP_FAILED, p);
        Assert.NotEqual(0, p);
        return p;
    }

    public static void Unmap(nint p, nuint length) => Assert.Equal(0, Mman.munmap(p, length));

    public static void Fill(nint p, nuint length, byte value) => new Span<byte>((void*)p, checked((int)length)).Fill(value);

    public static bool All(nint p, nuint length, byte value) => new ReadOnlySpan<byte>((void*)p, checked((int)length)).IndexOfAnyExcept(value) < 0;

    public static UnsupportedMmapException Unsupported(string expectedMessage, Func<object> call)
    {
        var e = Assert.Throws<UnsupportedMmapException>(() => call());
        Assert.Equal(expectedMessage, e.MiriMessage);
        Assert.Contains(expectedMessage, e.Message);
        Assert.IsAssignableFrom<NotSupportedException>(e);
        return e;
    }

    public static UndefinedBehaviorException Ub(UndefinedBehaviorKind kind, string expectedMessage, Func<object> call)
    {
        var e = Assert.Throws<UndefinedBehaviorException>(() => call());
        Assert.Equal(kind, e.Kind);
        Assert.Equal(expectedMessage, e.MiriMessage);
        Assert.Equal(e.Report, e.Message);
        return e;
    }

    public static string Hex(nint p) => "0x" + ((ulong)p).ToString("x");

    /// <summary>How reports name the calling thread: "thread 5" or "thread 5 \"name\"".</summary>
    public static string ThisThread => CheckedMmap.Reports.ReportBuilder.Thread(Environment.CurrentManagedThreadId, System.Threading.Thread.CurrentThread.Name);
}

public static class Messages
{
    public const string FileBacked = "CheckedMmap does not support file-backed memory mappings";
    public const string MapFixed = "CheckedMmap does not support calls to mmap with MAP_FIXED as part of the flags argument";
    public const string Protections = "CheckedMmap does not support calls to mmap/mprotect with protections other than PROT_READ|PROT_WRITE";
    public const string Flags = "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS";
    public const string Offset = "CheckedMmap does not support non-zero offsets to mmap";
    public const string MremapFixed = "CheckedMmap does not support mremap wth MREMAP_FIXED";
    public const string MremapDontUnmap = "CheckedMmap does not support mremap wth MREMAP_DONTUNMAP";
    public const string Advice = "CheckedMmap does not support calls to madvise with advice other than MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, or MADV_WILLNEED";
    public const string NullPointer = "pointer not dereferenceable: pointer must point to some allocation, but got null pointer";
    public const string MprotectOob = "`mprotect` called on out-of-bounds memory";
    public const string MadviseOob = "`madvise` called on out-of-bounds memory";

    public static string Freed(MappingInfo m) => $"memory access failed: {m.Name} has been freed, so this pointer is dangling";

    public static string Layout(MappingInfo m, ulong size, ulong gave) =>
        $"incorrect layout on deallocation: {m.Name} has size {size} and alignment 4096, but gave size {gave} and alignment 4096";
}
