using CheckedMmap.Contract;
using Xunit;

namespace CheckedMmap.Tests;

public class ContractTests
{
    [Theory]
    [InlineData(1UL, 4096UL)]
    [InlineData(4096UL, 4096UL)]
    [InlineData(4097UL, 8192UL)]
    [InlineData(0UL, 0UL)]
    [InlineData(0x7FFF_FFFF_FFFF_F000UL, 0x7FFF_FFFF_FFFF_F000UL)]
    public void RoundUpToPageSize_rounds_like_miri(ulong length, ulong expected)
    {
        Assert.True(MmapChecks.TryRoundUpToPageSize(length, 4096, MmapChecks.IsizeMax64, out ulong rounded));
        Assert.Equal(expected, rounded);
    }

    [Theory]
    [InlineData(ulong.MaxValue - 1)]
    [InlineData((ulong)long.MaxValue)]
    public void RoundUpToPageSize_fails_past_isize_max(ulong length)
    {
        Assert.False(MmapChecks.TryRoundUpToPageSize(length, 4096, MmapChecks.IsizeMax64, out _));
    }

    [Fact]
    public void Checks_are_listed_in_miri_order()
    {
        for (int i = 0; i < MmapChecks.MmapOrder.Length; i++)
        {
            Assert.Equal(i + 1, (int)MmapChecks.MmapOrder[i].Check);
        }
    }

    [Theory]
    [InlineData(0x8001, "MAP_SHARED|MAP_POPULATE")]
    [InlineData(0x22, "MAP_PRIVATE|MAP_ANONYMOUS")]
    [InlineData(0x100032, "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE")]
    [InlineData(unchecked((int)0x80000002), "MAP_PRIVATE|0x80000000")]
    public void Flags_print_symbolically_for_linux(int flags, string expected)
    {
        Assert.Equal(expected, MmapConstants.Linux.FormatFlags(flags));
    }

    [Fact]
    public void Flag_0x20_is_MAP_RENAME_on_macos()
    {
        Assert.Equal("MAP_PRIVATE|MAP_RENAME", MmapConstants.MacOS.FormatFlags(0x22));
        Assert.Equal("MAP_PRIVATE|MAP_ANONYMOUS", MmapConstants.MacOS.FormatFlags(0x1002));
    }
}
