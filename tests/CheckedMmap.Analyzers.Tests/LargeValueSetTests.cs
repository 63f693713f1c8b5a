using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Flags that can take more values than a set keeps (six optional bits: 64 values) are judged by their bit masks.</summary>
public class LargeValueSetTests
{
    private const string SixOptionalBits = """
                if (unknown > 1) flags |= MAP_NORESERVE;
                if (unknown > 2) flags |= MAP_POPULATE;
                if (unknown > 3) flags |= MAP_STACK;
                if (unknown > 4) flags |= MAP_HUGETLB;
                if (unknown > 5) flags |= 0x1000;
                if (unknown > 6) flags |= 0x2000;
        """;

    [Fact]
    public Task Map_fixed_in_every_one_of_64_values_is_definite() => LibcAsync(
        "        int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;\n" + SixOptionalBits +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#0:flags|}, -1, IntPtr.Zero);",
        Diagnostic(MapFixedRule.Descriptor).WithLocation(0).WithArguments(
            "are", "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS with any of MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", "MAP_FIXED",
            "CheckedMmap does not support calls to mmap with MAP_FIXED as part of the flags argument"),
        Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments(
            "may be", "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS with any of MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB",
            "MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", ExpectedQuotes.Flags));

    [Fact]
    public Task Map_shared_in_every_one_of_64_values_is_definite_and_map_fixed_in_some_says_may() => LibcAsync(
        "        int flags = MAP_SHARED | (condition ? MAP_FIXED : 0);\n" + SixOptionalBits +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#0:flags|}, -1, IntPtr.Zero);",
        Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithArguments(
            "are", "MAP_SHARED with any of MAP_FIXED|MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB",
            "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS"),
        Diagnostic(MapFixedRule.Descriptor).WithLocation(0).WithArguments(
            "may be", "MAP_SHARED with any of MAP_FIXED|MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", "MAP_FIXED",
            "CheckedMmap does not support calls to mmap with MAP_FIXED as part of the flags argument"),
        Diagnostic(FlagsRule.ExtraBitsBesidesMappingType).WithLocation(0).WithArguments(
            "may be", "MAP_SHARED with any of MAP_FIXED|MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB",
            "MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", ExpectedQuotes.Flags));

    [Fact]
    public Task Optional_extra_bits_in_64_values_may_be_reported_and_an_extra_bit_in_every_value_is_definite() => LibcAsync(
        "        int flags = MAP_PRIVATE | MAP_ANONYMOUS;\n" + SixOptionalBits +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#0:flags|}, -1, IntPtr.Zero);\n" +
        "        int always = MAP_PRIVATE | MAP_ANONYMOUS | 0x100;\n" + SixOptionalBits.Replace("flags", "always") +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#1:always|}, -1, IntPtr.Zero);",
        Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments(
            "may be", "MAP_PRIVATE|MAP_ANONYMOUS with any of MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB",
            "MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", ExpectedQuotes.Flags),
        Diagnostic(FlagsRule.ExtraBits).WithLocation(1).WithArguments(
            "are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN with any of MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB",
            "MAP_GROWSDOWN|MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", ExpectedQuotes.Flags));

    [Fact]
    public Task A_private_mapping_of_64_values_without_map_anonymous_in_any_or_some_is_reported() => LibcAsync(
        "        int flags = MAP_PRIVATE;\n" + SixOptionalBits +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#0:flags|}, -1, IntPtr.Zero);\n" +
        "        int some = MAP_PRIVATE | (condition ? MAP_ANONYMOUS : 0);\n" + SixOptionalBits.Replace("flags", "some") +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#1:some|}, -1, IntPtr.Zero);",
        Diagnostic(FlagsRule.MissingAnonymousWithoutDescriptor).WithLocation(0).WithArguments(
            "are", "MAP_PRIVATE with any of MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", ExpectedQuotes.Flags),
        Diagnostic(FlagsRule.MissingAnonymous).WithLocation(1).WithArguments(
            "may be", "MAP_PRIVATE with any of MAP_ANONYMOUS|MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB", ExpectedQuotes.Flags));

    [Fact]
    public Task Sixty_four_values_with_neither_or_both_mapping_types_fail_with_einval() => LibcAsync(
        "        int flags = MAP_ANONYMOUS;\n" + SixOptionalBits +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#0:flags|}, -1, IntPtr.Zero);\n" +
        "        int some = MAP_ANONYMOUS | (condition ? MAP_PRIVATE : 0);\n" + SixOptionalBits.Replace("flags", "some") +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|#1:some|}, -1, IntPtr.Zero);",
        Diagnostic(AlwaysEinvalRule.PrivateShared).WithLocation(0).WithArguments(
            "always fails", "exactly one of MAP_PRIVATE and MAP_SHARED must be set", "are",
            "MAP_ANONYMOUS with any of MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB"),
        Diagnostic(AlwaysEinvalRule.PrivateShared).WithLocation(1).WithArguments(
            "may fail", "exactly one of MAP_PRIVATE and MAP_SHARED must be set", "may be",
            "MAP_ANONYMOUS with any of MAP_PRIVATE|MAP_EXECUTABLE|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|MAP_HUGETLB"));

    [Fact]
    public Task Bits_cleared_again_are_not_claimed() => LibcAsync(
        "        int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;\n" + SixOptionalBits +
        "        flags &= MAP_PRIVATE | MAP_ANONYMOUS;\n" +
        "        mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, flags, -1, IntPtr.Zero);");
}
