using System;
using Xunit;

namespace CheckedMmap.Package.Tests.Infrastructure
{
    /// <summary>Reading a command's output.</summary>
    public static class OutputText
    {
        /// <summary>The text from <paramref name="start"/> up to the next <paramref name="end"/>; fails the test, showing the
        /// whole output, when either is missing.</summary>
        public static string Between(string text, string start, string end)
        {
            int a = text.IndexOf(start, StringComparison.Ordinal);
            Assert.True(a >= 0, $"\"{start}\" not found in:{Environment.NewLine}{text}");
            int b = text.IndexOf(end, a + start.Length, StringComparison.Ordinal);
            Assert.True(b >= 0, $"\"{end}\" not found after \"{start}\" in:{Environment.NewLine}{text}");
            return text.Substring(a, b - a);
        }
    }
}
