// VSTest ends the test host about 100 ms after the run's last result. A leak check left to process exit
// (CHECKEDMMAP_LEAK_CHECK_AT_EXIT) may not finish in that time: a report with file:line stacks reads the PDBs first.
// The package's run settings load this collector into the test host, and it runs the check when the last test has
// finished, while nothing is waiting to end the host yet. It also tells the runtime which tests are running, so that a
// fault that ends the host (in native code) names them.
using CheckedMmap.Testing;
using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.DataCollection;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.DataCollector.InProcDataCollector;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.InProcDataCollector;

namespace CheckedMmap.TestRun
{
    /// <summary>
    /// An in-process data collector for VSTest test hosts: tells CheckedMmap which tests are running (see
    /// <see cref="RunningTests"/>) and runs its leak check of process exit when the test run ends (see
    /// <see cref="MmapTracker.RunExitLeakCheckNow"/>). The package's run settings name it.
    /// </summary>
    public sealed class TestRunCollector : InProcDataCollection
    {
        /// <summary>Called by the test host when it loads the collector; nothing to set up.</summary>
        /// <param name="dataCollectionSink">The test platform's sink (not used: the report goes to the report file).</param>
        public void Initialize(IDataCollectionSink dataCollectionSink)
        {
        }

        /// <summary>Called when the test run starts; nothing to do.</summary>
        /// <param name="testSessionStartArgs">The run's settings.</param>
        public void TestSessionStart(TestSessionStartArgs testSessionStartArgs)
        {
        }

        /// <summary>Called before each test: a fault report that ends the test host names the tests running then.</summary>
        /// <param name="testCaseStartArgs">The test.</param>
        public void TestCaseStart(TestCaseStartArgs testCaseStartArgs)
        {
            TestCase? test = testCaseStartArgs?.TestCase;
            if (test != null)
            {
                RunningTests.Started(test.Id, test.FullyQualifiedName ?? test.DisplayName ?? test.Id.ToString());
            }
        }

        /// <summary>Called after each test.</summary>
        /// <param name="testCaseEndArgs">The test and its outcome.</param>
        public void TestCaseEnd(TestCaseEndArgs testCaseEndArgs)
        {
            TestCase? test = testCaseEndArgs?.DataCollectionContext?.TestCase;
            if (test != null)
            {
                RunningTests.Ended(test.Id);
            }
        }

        /// <summary>Called when the last test has finished: runs the leak check of process exit, when it is on.</summary>
        /// <param name="testSessionEndArgs">The run's end.</param>
        public void TestSessionEnd(TestSessionEndArgs testSessionEndArgs)
        {
            try
            {
                MmapTracker.RunExitLeakCheckNow();
            }
            catch (System.Exception e) when (e is not System.OutOfMemoryException)
            {
                // The check then runs at process exit, as without this collector.
                System.Console.Error.WriteLine("CheckedMmap: the leak check at the end of the test run failed: " + e.Message);
            }
        }
    }
}
