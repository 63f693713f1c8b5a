// What the package's VSTest run settings give a VSTest test host, for a Microsoft.Testing.Platform test host: the
// runtime reads DOTNET_legacyCorruptedStateExceptionsPolicy from the environment only, when it starts, so a fault in
// managed code can fail its test only if the process was started with it.
using System.Threading.Tasks;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.TestHostControllers;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>Sets the test host's environment for a checked run.</summary>
    internal sealed class TestHostEnvironment : ExtensionIdentity, ITestHostEnvironmentVariableProvider
    {
        internal const string CorruptedStatePolicyVariable = "DOTNET_legacyCorruptedStateExceptionsPolicy";

        private readonly CheckedBuild _build;

        public TestHostEnvironment(CheckedBuild build) => _build = build;

        public override string Description => "Starts the test host so that a fault in a CheckedMmap mapping fails its test, and reports go to the report file.";

        public Task UpdateAsync(IEnvironmentVariables environmentVariables)
        {
            environmentVariables.SetVariable(new EnvironmentVariable(CorruptedStatePolicyVariable, "1", false, true));
            if (_build.ReportFile is { } file)
            {
                environmentVariables.SetVariable(new EnvironmentVariable(CheckedMmapOptions.ReportFileVariable, file, false, false));
            }

            if (_build.LeakCheckAtExit)
            {
                environmentVariables.SetVariable(new EnvironmentVariable(CheckedMmapOptions.LeakCheckAtExitVariable, "1", false, false));
            }

            return Task.CompletedTask;
        }

        public Task<ValidationResult> ValidateTestHostEnvironmentVariablesAsync(IReadOnlyEnvironmentVariables environmentVariables) => ValidationResult.ValidTask;
    }
}
