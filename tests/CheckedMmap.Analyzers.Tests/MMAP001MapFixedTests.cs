using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

public class MMAP001MapFixedTests
{
    [Fact]
    public Task Map_fixed_is_reported_on_the_flags_argument_with_Miris_message() => LibcAsync(
        Call(flags: "{|#0:MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED|}"),
        Diagnostic(MapFixedRule.Descriptor).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, with MAP_FIXED; the checked runtime and Miri reject it: " +
            "\"CheckedMmap does not support calls to mmap with MAP_FIXED as part of the flags argument\""));

    [Fact]
    public Task Map_fixed_noreplace_is_reported_and_quotes_the_flags_check() => LibcAsync(
        Call(flags: "{|#0:MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE|}"),
        Diagnostic(MapFixedRule.Descriptor).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, with MAP_FIXED_NOREPLACE; the checked runtime and Miri reject it: " +
            "\"CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS\""));

    [Fact]
    public Task Map_fixed_on_one_branch_says_may() => LibcAsync(
        Call(flags: "{|#0:condition ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED|}"),
        Diagnostic(MapFixedRule.Descriptor).WithLocation(0).WithMessage(
            "mmap flags may be MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, with MAP_FIXED; the checked runtime and Miri reject it: " +
            "\"CheckedMmap does not support calls to mmap with MAP_FIXED as part of the flags argument\""));

    [Fact]
    public Task An_argument_in_checked_or_unchecked_is_reported_on_that_argument() => LibcAsync(
        Call(flags: "{|MMAP001:unchecked(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)|}", fd: "{|MMAP003:checked(3)|}"));

    [Fact]
    public Task Literal_0x32_is_map_fixed_on_linux() => LibcAsync(Call(flags: "{|MMAP001:0x32|}"));

    [Fact]
    public Task Reserve_then_fixed_over_own_region_is_reported() => LibcAsync("""
                IntPtr region = mmap(IntPtr.Zero, (UIntPtr)65536, {|MMAP004:PROT_NONE|}, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, IntPtr.Zero);
                mmap(region, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP001:MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED|}, -1, IntPtr.Zero);
        """.Replace("MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE", "{|MMAP005:MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE|}"));

    [Fact]
    public Task Private_anonymous_is_not_reported() => LibcAsync(Call());

    [Fact]
    public Task Unknown_flags_are_not_reported() => LibcAsync(Call(flags: "unknown"));
}
