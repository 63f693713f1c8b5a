using System;

namespace App
{
    public static class Program
    {
        public static int Main()
        {
#if CHECKED
            Console.WriteLine("mode=checked");
#else
            Console.WriteLine("mode=unchecked");
#endif
            nint run = PageRuns.MapRun(2 * (nuint)Environment.SystemPageSize);
            try
            {
                int result = PageRuns.UnmapFirstPage(run);
                Console.WriteLine($"partial munmap returned {result}");
            }
            catch (Exception error)
            {
                Console.WriteLine($"caught {error.GetType().FullName}");
                Console.WriteLine(error.ToString());
                return 3;
            }

            Console.WriteLine("went on");
            return 0;
        }
    }
}
