using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

public class MMAP006OffsetTests
{
    [Fact]
    public Task Non_zero_offset_is_reported() => LibcAsync(
        Call(offset: "{|#0:(IntPtr)4096|}"),
        Diagnostic(OffsetRule.Descriptor).WithLocation(0).WithMessage(
            "mmap offset is 0x1000, not 0; the checked runtime and Miri reject it: \"CheckedMmap does not support non-zero offsets to mmap\""));

    [Fact]
    public Task Negative_offsets_print_with_a_minus_sign() => LibcAsync(
        Call(offset: "{|#0:(IntPtr)(-8192)|}"),
        Diagnostic(OffsetRule.Descriptor).WithLocation(0).WithMessage(
            "mmap offset is -0x2000, not 0; the checked runtime and Miri reject it: \"CheckedMmap does not support non-zero offsets to mmap\""));

    [Fact]
    public Task Small_offsets_print_in_decimal_and_may_on_a_branch() => LibcAsync(
        Call(offset: "{|#0:new IntPtr(condition ? 0 : 512)|}"),
        Diagnostic(OffsetRule.Descriptor).WithLocation(0).WithMessage(
            "mmap offset may be 512, not 0; the checked runtime and Miri reject it: \"CheckedMmap does not support non-zero offsets to mmap\""));

    [Fact]
    public Task Every_zero_spelling_is_accepted_and_every_non_zero_one_reported() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe class N
        {
            [DllImport("libc")] static extern void* mmap(void* addr, ulong length, int prot, int flags, int fd, long offset);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr mmapU(IntPtr addr, UIntPtr length, int prot, int flags, int fd, UIntPtr offset);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr mmapUL(IntPtr addr, ulong length, int prot, int flags, int fd, ulong offset);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr mmapI(IntPtr addr, int length, int prot, int flags, int fd, int offset);

            static void M(long srcOffset)
            {
                mmap(null, 4096, 3, 0x22, -1, 0);
                mmap(null, 4096, 3, 0x22, -1, 0L);
                mmap(null, 4096, 3, 0x22, -1, default);
                mmapU(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, (UIntPtr)0);
                mmapU(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, UIntPtr.Zero);
                mmapUL(IntPtr.Zero, 4096, 3, 0x22, -1, (ulong)0);
                mmapI(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
                mmap(null, 4096, 3, 0x22, -1, srcOffset);
                mmap(null, 4096, 3, 0x22, -1, {|MMAP006:1L << 12|});
                mmapU(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, {|MMAP006:(UIntPtr)8192|});
                mmapUL(IntPtr.Zero, 4096, 3, 0x22, -1, {|MMAP006:(ulong)4096|});
                mmapI(IntPtr.Zero, 4096, 3, 0x22, -1, {|MMAP006:-4096|});
            }
        }
        """).RunAsync();

    [Fact]
    public Task Offset_from_an_ioctl_struct_field_is_unknown() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        struct V4l2Buffer { public uint offset; public uint length; }

        static class Video
        {
            [DllImport("libc", SetLastError = true)] static extern IntPtr mmap(IntPtr addr, int length, int prot, int flags, int fd, int offset);

            static void Map(int fd, V4l2Buffer buffer)
            {
                mmap(IntPtr.Zero, (int)buffer.length, 3, {|MMAP002:0x01|}, fd, (int)buffer.offset);
            }
        }
        """).RunAsync();
}
