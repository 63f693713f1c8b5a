using System;
using System.IO;
using System.Linq;
using CheckedMmap.Analyzers.Lifetime;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>The public surface of MMAP008 to MMAP015: IDs, severities, help links, docs pages, README rows, release tracking.</summary>
public class LifetimeDescriptorTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Analyzers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
    }

    private static void AssertWarningsLinkedToTheirPages(System.Collections.Generic.IEnumerable<DiagnosticDescriptor> descriptors)
    {
        foreach (DiagnosticDescriptor d in descriptors)
        {
            Assert.Equal(RuleDescriptors.HelpLink(d.Id), d.HelpLinkUri);
            Assert.EndsWith("docs/rules/" + d.Id + ".md", d.HelpLinkUri);
            Assert.Equal(DiagnosticSeverity.Warning, d.DefaultSeverity);
            Assert.True(d.IsEnabledByDefault);
            Assert.Equal(RuleDescriptors.Category, d.Category);
            Assert.False(string.IsNullOrWhiteSpace(d.Description.ToString()));
        }
    }

    [Fact]
    public void The_lifetime_analyzer_reports_exactly_MMAP008_and_MMAP009_as_warnings_linked_to_their_pages()
    {
        var descriptors = new MmapLifetimeAnalyzer().SupportedDiagnostics;
        Assert.Equal(new[] { RuleIds.WholeMappingMunmap, RuleIds.FailureCheck }, descriptors.Select(d => d.Id).Distinct().OrderBy(x => x, StringComparer.Ordinal));
        Assert.Equal("MMAP008", RuleIds.WholeMappingMunmap);
        Assert.Equal("MMAP009", RuleIds.FailureCheck);
        AssertWarningsLinkedToTheirPages(descriptors);
    }

    [Fact]
    public void The_argument_analyzer_reports_exactly_MMAP011_to_MMAP013_as_warnings_linked_to_their_pages()
    {
        Assert.Equal(new[] { RuleIds.Declaration }, new CheckedMmap.Analyzers.Functions.DeclarationAnalyzer().SupportedDiagnostics.Select(d => d.Id).Distinct());
        Assert.Equal("MMAP010", RuleIds.Declaration);
        Assert.Equal(new[] { RuleIds.EscapesCheckedRuntime }, new CheckedMmap.Analyzers.Functions.EscapeAnalyzer().SupportedDiagnostics.Select(d => d.Id).Distinct());
        Assert.Equal("MMAP014", RuleIds.EscapesCheckedRuntime);
        var descriptors = new CheckedMmap.Analyzers.Functions.LibcArgumentAnalyzer().SupportedDiagnostics
            .AddRange(new CheckedMmap.Analyzers.Functions.DeclarationAnalyzer().SupportedDiagnostics)
            .AddRange(new CheckedMmap.Analyzers.Functions.EscapeAnalyzer().SupportedDiagnostics);
        Assert.Equal(new[] { "MMAP010", "MMAP011", "MMAP012", "MMAP013", "MMAP014" }, descriptors.Select(d => d.Id).Distinct().OrderBy(x => x, StringComparer.Ordinal));
        Assert.Equal(new[] { RuleIds.Mprotect, RuleIds.Madvise, RuleIds.Mremap }, new[] { "MMAP011", "MMAP012", "MMAP013" });
        AssertWarningsLinkedToTheirPages(descriptors);
    }

    [Fact]
    public void The_settings_analyzer_reports_exactly_MMAP015_as_a_warning_linked_to_its_page()
    {
        var descriptors = new CheckedMmap.Analyzers.Configuration.SettingsAnalyzer().SupportedDiagnostics;
        Assert.Equal(new[] { RuleIds.UnknownSetting }, descriptors.Select(d => d.Id).Distinct());
        Assert.Equal("MMAP015", RuleIds.UnknownSetting);
        AssertWarningsLinkedToTheirPages(descriptors);
    }

    [Theory]
    [InlineData("MMAP008")]
    [InlineData("MMAP009")]
    [InlineData("MMAP010")]
    [InlineData("MMAP011")]
    [InlineData("MMAP012")]
    [InlineData("MMAP013")]
    [InlineData("MMAP014")]
    [InlineData("MMAP015")]
    public void Each_rule_has_a_docs_page_a_readme_row_and_a_release_entry(string id)
    {
        string root = RepositoryRoot();
        string page = File.ReadAllText(Path.Combine(root, "docs", "rules", id + ".md"));
        Assert.StartsWith("# " + id, page);
        Assert.Contains("dotnet_diagnostic." + id + ".severity", page);
        foreach (string section in new[] { "## What it reports", "## Why it matters", "## Non-compliant code", "## Compliant code", "## Code fix", "## Limits", "## Configuration" })
        {
            Assert.Contains(section, page);
        }

        Assert.Contains($"(docs/rules/{id}.md)", File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.Contains(id + " |", File.ReadAllText(Path.Combine(root, "analyzers", "CheckedMmap.Analyzers", "AnalyzerReleases.Unshipped.md")));
    }
}
