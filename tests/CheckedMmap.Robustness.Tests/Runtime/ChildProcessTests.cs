using System;
using Xunit;
using Xunit.Abstractions;

namespace CheckedMmap.Robustness.Tests.Runtime;

/// <summary>Scenarios that crash (on purpose, or because of a bug) run in a child process, never in the test host.</summary>
public sealed class ChildProcessTests(ITestOutputHelper output)
{
    /// <summary>Finding 1 (fixed in runtime 44d4f84): this used to crash the process with an access violation.</summary>
    [Fact]
    public void Mremap_to_a_size_near_2_pow_64_fails_with_ENOMEM_instead_of_crashing()
    {
        var r = ChildScenarios.Start("mremap-size-wrap", TimeSpan.FromSeconds(60));
        output.WriteLine($"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.True(r.ExitCode == 0, $"the child crashed (exit {r.ExitCode}):\n{r.Stderr}");
        Assert.Contains("result=-1 errno=12", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void After_cycling_more_mappings_than_max_map_count_a_write_past_the_end_still_faults()
    {
        var r = ChildScenarios.Start("guard-after-churn", TimeSpan.FromMinutes(2));
        output.WriteLine($"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("churned 70000", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("survived", r.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, r.ExitCode);
    }

    [Fact]
    public void After_cycling_more_mappings_than_max_map_count_a_read_after_munmap_still_faults()
    {
        var r = ChildScenarios.Start("use-after-munmap-after-churn", TimeSpan.FromMinutes(2));
        output.WriteLine($"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("churned 70000", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("survived", r.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, r.ExitCode);
    }
}
