// Microsoft.Testing.Platform calls AddExtensions from the test application's generated SelfRegisteredExtensions, for
// every TestingPlatformBuilderHook item of the build: the package adds one. A test application built without
// -p:CheckedMmap=true registers nothing, so it runs as without CheckedMmap (in one process).
using CheckedMmap.Testing;
using Microsoft.Testing.Platform.Builder;
using Microsoft.Testing.Platform.Services;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>Registers CheckedMmap's test run support in a Microsoft.Testing.Platform test application.</summary>
    public static class TestingPlatformBuilderHook
    {
        /// <summary>
        /// Adds, for a build with -p:CheckedMmap=true: the test host's environment (managed faults become test failures,
        /// reports go to the report file, the leak check at exit when it is on), the report of whatever ended the test host,
        /// the names of the running tests for fault reports, and, when the last test has finished, the leak check and the
        /// reports whose exceptions the code under test caught.
        /// </summary>
        /// <param name="builder">The test application's builder.</param>
        /// <param name="arguments">The application's command line (not read).</param>
        /// <exception cref="System.ArgumentNullException"><paramref name="builder"/> is null.</exception>
        public static void AddExtensions(ITestApplicationBuilder builder, string[] arguments)
        {
            System.ArgumentNullException.ThrowIfNull(builder);
            CheckedBuild build = CheckedBuild.OfApplication();
            if (!build.IsChecked)
            {
                return;
            }

            // The environment is set by a test host controller, a process of the platform's that starts the test host.
            builder.TestHostControllers.AddEnvironmentVariableProvider(_ => new TestHostEnvironment(build));
            builder.TestHostControllers.AddProcessLifetimeHandler(_ => new EndingReports(build));
            var failed = new TestNames();
            builder.TestHost.AddDataConsumer(_ => new RunningTestsConsumer(failed));
            builder.TestHost.AddTestSessionLifetimeHandle(services => new LeakCheckAtSessionEnd(services.GetMessageBus()));
            builder.TestHost.AddTestSessionLifetimeHandle(services => new CaughtReportsAtSessionEnd(services.GetMessageBus(), failed));
        }
    }
}
