/**
 * did:fabric in the resolver: every answer is verified evidence (operation log + endorsed read).
 */
package dev.sovereign.did.fabric;
