/**
 * The sovereignty policy (docs/sovereignty-policy.md): YAML in, validated model and canonical hash
 * out.
 */
package dev.sovereign.enclave.policy;
