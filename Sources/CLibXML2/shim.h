#ifndef SUMMARIZER_CLIBXML2_SHIM_H
#define SUMMARIZER_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU, whose headers clash with the ICU that Foundation
// carries; the parts we use need none of it, so switch it off before anything else.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

// Swift 6 cannot call xmlFree directly: it is a global C function pointer.
static inline void summarizer_xmlFree(void *pointer) {
    xmlFree(pointer);
}

#endif
