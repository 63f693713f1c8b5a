using Xunit;

namespace CheckedMmap.Robustness.Tests.Runtime;

/// <summary>
/// The checked runtime's registry is process-wide: tests that compare it with a model must not run beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RuntimeCollection
{
    public const string Name = "CheckedMmap runtime (process-wide registry)";
}
