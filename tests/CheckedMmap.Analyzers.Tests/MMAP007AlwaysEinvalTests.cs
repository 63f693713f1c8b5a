using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

public class MMAP007AlwaysEinvalTests
{
    [Fact]
    public Task Neither_private_nor_shared_always_fails() => LibcAsync(
        Call(flags: "{|#0:MAP_ANONYMOUS|}"),
        Diagnostic(AlwaysEinvalRule.PrivateShared).WithLocation(0).WithMessage(
            "mmap always fails with EINVAL: exactly one of MAP_PRIVATE and MAP_SHARED must be set (flags are MAP_ANONYMOUS)"));

    [Fact]
    public Task Both_private_and_shared_always_fail() => LibcAsync(
        Call(flags: "{|#0:MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS|}"),
        Diagnostic(AlwaysEinvalRule.PrivateShared).WithLocation(0).WithMessage(
            "mmap always fails with EINVAL: exactly one of MAP_PRIVATE and MAP_SHARED must be set (flags are MAP_SHARED_VALIDATE|MAP_ANONYMOUS)"));

    /// <summary>Linux's MAP_SHARED_VALIDATE maps a file (DAX with MAP_SYNC, or any file): only Miri and the checked runtime refuse it.</summary>
    [Fact]
    public Task Shared_validate_on_a_file_fails_under_the_checked_runtime_and_Miri_only() => LibcAsync(
        Call(flags: "{|#0:MAP_SHARED | MAP_PRIVATE | 0x80000|}", fd: "{|MMAP003:7|}"),
        Diagnostic(AlwaysEinvalRule.PrivateShared).WithLocation(0).WithMessage(
            "mmap fails under the checked runtime and Miri with EINVAL: exactly one of MAP_PRIVATE and MAP_SHARED must be set " +
            "(flags are MAP_SHARED_VALIDATE|MAP_SYNC, a shared file mapping on Linux)"));

    [Fact]
    public Task Both_mapping_type_bits_on_macOS_are_not_named_shared_validate() =>
        Libc(Call(flags: "{|#0:MAP_SHARED | MAP_PRIVATE|}", fd: "{|MMAP003:7|}"))
        .WithGlobalConfig("checkedmmap.target_os = macos")
        .Expect(Diagnostic(AlwaysEinvalRule.PrivateShared).WithLocation(0).WithMessage(
            "mmap always fails with EINVAL: exactly one of MAP_PRIVATE and MAP_SHARED must be set (flags are MAP_SHARED|MAP_PRIVATE)"))
        .RunAsync();

    [Fact]
    public Task Zero_length_always_fails() => LibcAsync(
        Call(length: "{|#0:UIntPtr.Zero|}"),
        Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(0).WithMessage("mmap always fails with EINVAL: the length is 0"));

    [Fact]
    public Task Length_zero_on_a_branch_may_fail() => LibcAsync(
        Call(length: "{|#0:(UIntPtr)(condition ? 0 : 4096)|}"),
        Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(0).WithMessage("mmap may fail with EINVAL: the length may be 0"));

    [Fact]
    public Task Length_that_cannot_be_rounded_always_fails() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class N
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, ulong length, int prot, int flags, int fd, long offset);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr mmapSigned(IntPtr addr, long length, int prot, int flags, int fd, long offset);

            static void M()
            {
                mmap(IntPtr.Zero, {|#0:ulong.MaxValue|}, 3, 0x22, -1, 0);
                mmap(IntPtr.Zero, {|MMAP007:(ulong)long.MaxValue|}, 3, 0x22, -1, 0);
                mmap(IntPtr.Zero, (ulong)long.MaxValue - 4095, 3, 0x22, -1, 0);
                mmapSigned(IntPtr.Zero, {|MMAP007:-1|}, 3, 0x22, -1, 0);
                mmap(IntPtr.Zero, 1, 3, 0x22, -1, 0);
            }
        }
        """).Expect(Diagnostic(AlwaysEinvalRule.LengthOverflow).WithLocation(0).WithMessage(
            "mmap always fails with EINVAL: the length cannot be rounded up to a multiple of the page size without exceeding isize::MAX " +
            "(length is 0xffffffffffffffff)")).RunAsync();

    [Fact]
    public Task Page_multiple_lengths_are_not_reported() => LibcAsync(Call(length: "(UIntPtr)(16 * 4096)") + Call(length: "new UIntPtr(1)"));

    [Fact]
    public Task Length_from_environment_page_size_is_unknown() => LibcAsync(Call(length: "(UIntPtr)(Environment.SystemPageSize * 16)"));
}
