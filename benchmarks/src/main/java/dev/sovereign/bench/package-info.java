/** JMH benchmarks; every figure is reported next to a ceiling measured in the same run. */
package dev.sovereign.bench;
