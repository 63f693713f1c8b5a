using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

public class MMAP003FileBackedTests
{
    [Fact]
    public Task A_real_descriptor_is_reported() => LibcAsync(
        Call(flags: "MAP_PRIVATE", fd: "{|#0:7|}"),
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(
            "mmap file descriptor is 7, not -1: a file-backed mapping; the checked runtime and Miri reject it: " +
            "\"CheckedMmap does not support file-backed memory mappings\""));

    [Fact]
    public Task Fd_zero_with_map_anonymous_is_called_out_as_the_classic_bug() => LibcAsync(
        Call(fd: "{|#0:0|}"),
        Diagnostic(FileBackedRule.ZeroWithAnonymous).WithLocation(0).WithMessage(
            "mmap file descriptor is 0 with MAP_ANONYMOUS: anonymous mappings take fd -1, and 0 is standard input (a classic bug); " +
            "the checked runtime and Miri reject it: \"CheckedMmap does not support file-backed memory mappings\""));

    [Fact]
    public Task A_negative_descriptor_other_than_minus_one_is_no_file() => LibcAsync(
        Call(fd: "{|#0:-2|}"),
        Diagnostic(FileBackedRule.Negative).WithLocation(0).WithMessage(
            "mmap file descriptor is -2, not -1: a negative descriptor names no file (without MAP_ANONYMOUS mmap fails with EBADF; " +
            "with it, Linux ignores the descriptor); the checked runtime and Miri accept only -1: " +
            "\"CheckedMmap does not support file-backed memory mappings\""));

    [Fact]
    public Task A_negative_descriptor_beside_a_real_one_is_a_file() => LibcAsync(
        Call(fd: "{|#0:condition ? -2 : 3|}"),
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithArguments("is", "-2 or 3", "CheckedMmap does not support file-backed memory mappings"));

    [Fact]
    public Task A_descriptor_on_one_branch_says_may() => LibcAsync(
        Call(flags: "{|#1:MAP_PRIVATE | (condition ? MAP_ANONYMOUS : 0)|}", fd: "{|#0:condition ? -1 : 4|}"),
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(
            "mmap file descriptor may be 4, not -1: a file-backed mapping; the checked runtime and Miri reject it: " +
            "\"CheckedMmap does not support file-backed memory mappings\""),
        Diagnostic(FlagsRule.MissingAnonymous).WithLocation(1).WithArguments("may be", "MAP_PRIVATE", "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS"));

    [Fact]
    public Task A_descriptor_from_open_is_unknown_and_not_reported() => LibcAsync("""
                int fd = Open("/dev/fb0");
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, fd, IntPtr.Zero);
            }
            static int Open(string path) => 3;
            void N()
            {
        """);

    [Fact]
    public Task Minus_one_is_not_reported() => LibcAsync(Call(fd: "-1"));

    [Fact]
    public Task SafeHandle_and_IntPtr_descriptors_are_understood() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;
        using Microsoft.Win32.SafeHandles;

        static class Sys
        {
            [DllImport("libc", EntryPoint = "mmap")]
            public static extern IntPtr MMap(IntPtr addr, nuint length, int prot, int flags, SafeFileHandle fd, long offset);

            [DllImport("libc", EntryPoint = "mmap")]
            public static extern IntPtr MMapRaw(IntPtr addr, nuint length, int prot, int flags, IntPtr fd, long offset);

            static void M(SafeFileHandle handle)
            {
                MMap(IntPtr.Zero, 4096, 3, 0x22, new SafeFileHandle(new IntPtr(-1), false), 0);
                MMap(IntPtr.Zero, 4096, 3, 0x22, {|MMAP003:new SafeFileHandle(new IntPtr(5), false)|}, 0);
                MMap(IntPtr.Zero, 4096, 3, 0x22, handle, 0);
                MMapRaw(IntPtr.Zero, 4096, 3, 0x22, new IntPtr(-1), 0);
                MMapRaw(IntPtr.Zero, 4096, 3, 0x22, (IntPtr)(-1), 0);
                MMapRaw(IntPtr.Zero, 4096, 3, 0x22, {|MMAP003:(IntPtr)9|}, 0);
            }
        }
        """).RunAsync();
}
