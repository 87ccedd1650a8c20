# work.pl - allocation-heavy Perl: a hash of arrays, string building, sort, join, split.
use strict;
use warnings;
my $n = shift // 100000;
my %h;
for my $i (1 .. $n) {
    $h{"k$i"} = [ $i, "v" x ($i % 40), [ map { $_ * 2 } 1 .. ($i % 7) ] ];
}
my $t = 0;
for my $k (sort keys %h) {
    my $a = $h{$k};
    my $s = join(",", $a->[0], $a->[1], @{ $a->[2] });
    $t += scalar(split(/,/, $s));
}
delete $h{"k$_"} for grep { $_ % 3 } 1 .. $n;
print scalar(keys %h), " $t\n";
