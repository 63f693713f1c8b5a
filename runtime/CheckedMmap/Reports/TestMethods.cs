// The test methods on a stack. A fault that ends the process has no managed access stack to name the test that made the
// access, and a test platform reports test starts and ends late (after results are batched and sent), so its list of
// running tests can name a test that has finished. The test that made the faulting mapping is on that mapping's
// creation stack: a method whose attribute is (or derives from) a test framework's test attribute.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;

namespace CheckedMmap.Reports
{
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "A test method trimmed away is not on the stack; a frame without its method names no test.")]
    internal static class TestMethods
    {
        // xunit's Fact and Theory, MSTest's TestMethod and DataTestMethod, NUnit's Test, TestCase and TestCaseSource.
        private static readonly HashSet<string> TestAttributes = new HashSet<string>(StringComparer.Ordinal)
        {
            "Xunit.FactAttribute",
            "Xunit.TheoryAttribute",
            "Microsoft.VisualStudio.TestTools.UnitTesting.TestMethodAttribute",
            "Microsoft.VisualStudio.TestTools.UnitTesting.DataTestMethodAttribute",
            "NUnit.Framework.TestAttribute",
            "NUnit.Framework.TestCaseAttribute",
            "NUnit.Framework.TestCaseSourceAttribute",
        };

        /// <summary>The test methods on <paramref name="trace"/>, innermost first, as "Namespace.Type.Method".</summary>
        public static List<string> On(StackTrace? trace)
        {
            var found = new List<string>();
            if (trace == null)
            {
                return found;
            }

            foreach (StackFrame frame in trace.GetFrames())
            {
                if (frame.GetMethod() is MethodBase method && NameOf(method) is string name && !found.Contains(name))
                {
                    found.Add(name);
                }
            }

            return found;
        }

        // Reading a method's attributes is reflection: each method is asked once (reports can be built under the
        // runtime's lock, and a leak report reads the same creation stacks more than once).
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<MethodBase, string?> Names =
            new System.Collections.Concurrent.ConcurrentDictionary<MethodBase, string?>();

        /// <summary>"Namespace.Type.Method" when <paramref name="method"/> is a test method, or the state machine of an
        /// async test method (the frame such a test has after its first await), else null.</summary>
        public static string? NameOf(MethodBase method) => Names.GetOrAdd(method, m =>
            AsyncMethodOf(m) is MethodBase async ? NameOf(async) : IsTest(m) && m.DeclaringType is Type type ? (type.FullName ?? type.Name).Replace('+', '.') + "." + m.Name : null);

        /// <summary>The async method whose state machine's MoveNext <paramref name="method"/> is, else null.</summary>
        private static MethodBase? AsyncMethodOf(MethodBase method)
        {
            if (method.Name != "MoveNext" || method.DeclaringType is not Type machine || machine.DeclaringType is not Type owner
                || !typeof(System.Runtime.CompilerServices.IAsyncStateMachine).IsAssignableFrom(machine))
            {
                return null;
            }

            try
            {
                const BindingFlags All = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
                foreach (MethodInfo candidate in owner.GetMethods(All))
                {
                    if (candidate.GetCustomAttribute<System.Runtime.CompilerServices.AsyncStateMachineAttribute>()?.StateMachineType is Type t
                        && (t == machine || (t.IsGenericTypeDefinition && machine.IsGenericType && machine.GetGenericTypeDefinition() == t)))
                    {
                        return candidate;
                    }
                }
            }
            catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or NotSupportedException)
            {
                // an owner whose methods cannot all be read names no test
            }

            return null;
        }

        /// <summary>Whether a test platform's name for a test (its fully qualified name, with a theory's arguments or
        /// not) is <paramref name="method"/>'s.</summary>
        public static bool IsNamed(string testName, string method) =>
            testName.StartsWith(method, StringComparison.Ordinal)
            && (testName.Length == method.Length || testName[method.Length] == '(' || testName[method.Length] == ' ');

        private static bool IsTest(MethodBase method)
        {
            if (method.DeclaringType == null)
            {
                return false; // a dynamic method (no attributes to read: it throws NotImplementedException)
            }

            try
            {
                foreach (CustomAttributeData attribute in method.GetCustomAttributesData())
                {
                    for (Type? t = attribute.AttributeType; t != null && t != typeof(Attribute); t = t.BaseType)
                    {
                        if (t.FullName is string name && TestAttributes.Contains(name))
                        {
                            return true;
                        }
                    }
                }
            }
            catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or NotSupportedException or NotImplementedException)
            {
                // An attribute whose assembly cannot load is no test framework's here; nor is a method whose
                // attributes cannot be read.
            }

            return false;
        }
    }
}
