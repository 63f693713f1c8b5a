using System;

namespace Adopted
{
    // Calls the adopted binding directly: no using alias, no #if at the call sites.
    public static unsafe class Program
    {
        public static int Main()
        {
#if CHECKED
            Console.WriteLine("mode=checked");
#else
            Console.WriteLine("mode=unchecked");
#endif
            UIntPtr page = Libc.PageSize;
            IntPtr run = Libc.mmap(IntPtr.Zero, page + page, Protection.Read | Protection.Write, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
            if (run == Libc.MAP_FAILED)
            {
                Console.WriteLine("mmap failed");
                return 2;
            }

            *(byte*)run = 42;
            Console.WriteLine($"madvise returned {Libc.Advise(run, page, 3)}");
            try
            {
                // The bug under test: unmaps only the first page of the two.
                Console.WriteLine($"partial munmap returned {Libc.munmap((void*)run, page)}");
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
