// ChildProcessScenario starts its child with this assembly as a startup hook (DOTNET_STARTUP_HOOKS): the scenario runs
// before the application's entry point, whatever that is (the package's entry point for VSTest projects, a test
// framework's own on Microsoft.Testing.Platform, any language), and not inside a module initializer, whose lock would
// stop every other thread the scenario starts from entering the test assembly.
using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using CheckedMmap.Testing;

/// <summary>The runtime's startup hook (a type of this name in no namespace): runs a requested child-process scenario.</summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before the entry point: runs the scenario named by
    /// <see cref="ChildProcessScenario.ScenarioVariable"/>, if any, and ends the process with its exit code.</summary>
    public static void Initialize()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ChildProcessScenario.ScenarioVariable)))
        {
            return;
        }

        int exitCode;
        try
        {
            exitCode = ChildProcessScenario.RunRequestedScenario();
        }
        catch (Exception e)
        {
            // The runtime calls hooks by reflection, so an exception thrown from here would end the process wrapped in a
            // TargetInvocationException; unhandled on a thread of its own it ends it as it would from Main.
            ExceptionDispatchInfo thrown = ExceptionDispatchInfo.Capture(e);
            var rethrow = new Thread(() => thrown.Throw());
            rethrow.Start();
            rethrow.Join();
            throw;
        }

        Environment.Exit(exitCode);
    }
}
