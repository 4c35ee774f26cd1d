// Package store is the only package that knows SQL. It holds Roster's data in
// one SQLite file and gives every other package concrete methods on *Store.
// Every method takes the tenant and filters by it; every change writes its
// audit event in the same transaction. Writes go through one connection, one
// transaction at a time (a mutex hands it over in arrival order); reads use
// a pool of read-only connections and never wait for a write.
//
// # How a page of users is read
//
// Every sort and filter of the users list has an index whose order is the
// list's order, and pages are keyset cursors, so a page deep in the list
// costs what the first one does. Totals of the plain and status lists come
// from counters kept by triggers; other totals stop counting at CountCap
// and are kept until the store's next write (or a second, for another
// process's writes).
//
// Filters by org subtree, group or property value are member sets
// (memberSet). The planner (planner.plan) picks one of three ways to read a
// page of them, by costs measured at a million users:
//   - driving: every user of the smallest set is fetched, then the page is
//     sorted out of them; cheap for small sets, and for subtrees, whose
//     users come sorted from an index;
//   - walking: users are read in the page's order and each is tested
//     against every set; cheap for large, dense sets;
//   - ordered: a group's memberships or a property value's holders carry
//     their user's username (kept by triggers), so for pages in username
//     order they are walked in that order from their own index.
//
// Each store has its planner; tests force one way on their own store
// (SetWalkBias, SetOrderedReads in the tests' exports). Keyword search (q)
// uses an FTS5 trigram index for three characters or more and prefix ranges
// below; past KeywordSortCap matches, results come in the order users were
// added rather than sorting a huge match set. Up to it, a search's matches
// are read once in the order asked (matchList, kept as the counts are) and
// each page is cut from them, reading only its users.
//
// # The organization tree
//
// The tree is a closure table (org_closure: one row per ancestor-descendant
// pair), so a unit's children, its path from the root, "is X under Y" and a
// subtree's users are each one indexed query, and a move rewrites only the
// pairs that cross the moved subtree's edge. Units carry direct and subtree
// user counts kept by triggers.
//
// # Copies kept by triggers
//
// A user row carries a copy of its property values (so a page is one
// query); memberships and property values carry their user's username (so
// ordered reads need no join). Triggers keep every copy; tests compare each
// with what it copies. BulkLoad, which loads up to millions of users at
// once, drops those triggers and the tables' secondary indexes while it
// writes, then rebuilds the indexes and writes the copies and counters
// itself. The schema is written in SQL that SQLite 3.40 reads, so Debian's
// sqlite3 can open a Roster database.
package store
