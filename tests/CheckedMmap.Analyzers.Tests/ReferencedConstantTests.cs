using System.Threading.Tasks;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Constants a referenced library exposes as static getters or parameterless methods, read from their IL.</summary>
public class ReferencedConstantTests
{
    private const string Library = """
        namespace Rings
        {
            public enum Prot { Read = 1, Write = 2 }

            public static class IoUring
            {
                public static ulong IORING_OFF_SQES => 0x10000000;
                public static long IORING_OFF_CQ_RING { get { return 0x8000000; } }
                public static int MapShared => 0x01;
                public static int MapPrivateAnonymous => 0x22;
                public static uint Minus => unchecked((uint)-1);
                public static Prot ReadWrite => Prot.Read | Prot.Write;
                public static long PageOffset() => 4096;
                public static int Zero => 0;
                public static int Processors => System.Environment.ProcessorCount;
                public static int Branchy { get { return System.Environment.ProcessorCount > 3 ? 0x01 : 0x22; } }
                public static int Field = 0x01;
                public static int ReadField => Field;
            }
        }
        """;

    private const string Calls = """
        using System;
        using System.Runtime.InteropServices;
        using Rings;

        static class Ring
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, long offset);

            static void Map(int fd)
            {
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, IoUring.MapPrivateAnonymous, -1, {|#0:(long)IoUring.IORING_OFF_SQES|});
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, IoUring.MapPrivateAnonymous, -1, {|#1:IoUring.IORING_OFF_CQ_RING|});
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, IoUring.MapPrivateAnonymous, -1, {|#2:IoUring.PageOffset()|});
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, {|#3:IoUring.MapShared | 0x20|}, -1, 0);
                mmap(IntPtr.Zero, (UIntPtr)4096, (int)IoUring.ReadWrite, IoUring.MapPrivateAnonymous, -1, IoUring.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, {|#4:IoUring.Minus|});

                // Bodies that are not "load a number, return it" stay unknown: nothing is reported.
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IoUring.Processors);
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, IoUring.Branchy, -1, 0);
                mmap(IntPtr.Zero, (UIntPtr)4096, 3, IoUring.ReadField, -1, 0);
            }
        }
        """;

    [Theory]
    [InlineData(OptimizationLevel.Debug)]
    [InlineData(OptimizationLevel.Release)]
    public Task Constant_getters_and_methods_of_a_referenced_library_are_read_from_their_il(OptimizationLevel optimization) => new MmapAnalyzerTest(Calls)
    {
        TestState = { AdditionalReferences = { MetadataLibrary.Compile("Rings", Library, optimization) } },
        ExpectedDiagnostics =
        {
            Offset(0, "0x10000000"),
            Offset(1, "0x8000000"),
            Offset(2, "0x1000"),
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(3).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS"),
            Offset(4, "0xffffffff"),
        },
    }.RunAsync();

    private static DiagnosticResult Offset(int location, string value) => Verify.Diagnostic(OffsetRule.Descriptor).WithLocation(location)
        .WithMessage($"mmap offset is {value}, not 0; the checked runtime and Miri reject it: \"CheckedMmap does not support non-zero offsets to mmap\"");

    [Fact]
    public Task Io_uring_ring_offsets_of_tmds_libc_are_read_from_the_package() => new MmapAnalyzerTest("""
        using static Tmds.Linux.LibC;

        unsafe class Ring
        {
            void Map(int ringFd)
            {
                if (ringFd < 0) return;
                mmap(null, 4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, {|MMAP003:ringFd|}, {|#0:(long)IORING_OFF_SQES|});
                mmap(null, 4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, {|MMAP003:ringFd|}, {|#1:(long)IORING_OFF_CQ_RING|});
                mmap(null, 4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, {|MMAP003:ringFd|}, (long)IORING_OFF_SQ_RING);
            }
        }
        """).WithTmdsLibC().Expect(Offset(0, "0x10000000"), Offset(1, "0x8000000")).RunAsync();

    [Theory]
    [InlineData(new byte[] { 0x1F, 0x40, 0x2A }, 64L)] // ldc.i4.s 64; ret
    [InlineData(new byte[] { 0x15, 0x6E, 0x2A }, 0xFFFFFFFFL)] // ldc.i4.m1; conv.u8; ret
    [InlineData(new byte[] { 0x15, 0x6A, 0x2A }, -1L)] // ldc.i4.m1; conv.i8; ret
    [InlineData(new byte[] { 0x00, 0x1A, 0x0A, 0x2B, 0x00, 0x06, 0x2A }, 4L)] // nop; ldc.i4.4; stloc.0; br.s +0; ldloc.0; ret
    [InlineData(new byte[] { 0x21, 0, 0, 0, 0, 1, 0, 0, 0, 0x2A }, 0x100000000L)] // ldc.i8; ret
    public void Il_of_a_constant_body_gives_its_number(byte[] il, long expected) =>
        Assert.Equal(expected, ReferencedConstants.ConstantReturned(il));

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x2A })] // ret alone
    [InlineData(new byte[] { 0x20, 0x01, 0x02 })] // ldc.i4 cut short
    [InlineData(new byte[] { 0x1A, 0x1A, 0x58, 0x2A })] // 4 + 4: arithmetic is not read
    [InlineData(new byte[] { 0x1A, 0x2A, 0x2A })] // bytes after the return
    [InlineData(new byte[] { 0x7E, 0x01, 0x00, 0x00, 0x04, 0x2A })] // ldsfld; ret
    public void Any_other_il_is_unknown(byte[] il) => Assert.Null(ReferencedConstants.ConstantReturned(il));
}
