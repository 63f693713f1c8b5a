// A stand-in with the full name of NUnit's test attribute, which this xunit project does not reference: the child
// scenarios that play a test method under a test platform carry it, and xunit does not run them as tests.
namespace NUnit.Framework;

[System.AttributeUsage(System.AttributeTargets.Method)]
internal sealed class TestAttribute : System.Attribute
{
}
