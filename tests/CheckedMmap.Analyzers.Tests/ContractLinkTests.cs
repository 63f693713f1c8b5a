using CheckedMmap.Contract;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

public class ContractLinkTests
{
    [Fact]
    public void Analyzer_compiles_the_runtime_contract()
    {
        // The analyzer assembly carries the same table as the runtime: same texts, same order.
        Assert.Equal("CheckedMmap does not support file-backed memory mappings", MmapChecks.Info(MmapCheck.AnonymousFd).Message);
        Assert.Equal(RuleIds.FileBacked, MmapChecks.Info(MmapCheck.AnonymousFd).RuleId);
        Assert.Equal("CheckedMmap.Analyzers", typeof(MmapChecks).Assembly.GetName().Name);
    }
}
