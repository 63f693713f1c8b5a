using System;

namespace Lib
{
    public static class Pages
    {
        public static nuint Size => (nuint)Environment.SystemPageSize;
    }
}
